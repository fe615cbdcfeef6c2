// What the HTTP benches share: a file of random bytes to serve, and recon's HTTP service started alone in
// the rig's master namespace (the service runner, as the tests start a service).
import { randomBytes } from 'node:crypto';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { RIG_V4, type NetnsRig } from '../test/helpers/netns.js';

/** Resolves once `needle` appears on the child's stdout or stderr; rejects if it exits or after 30 s. */
export function waitForLine(child: ChildProcess, needle: string, what: string): Promise<void> {
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} not ready: ${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(needle)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited ${code}: ${out}`)));
  });
}

/** Writes `mib` MiB of random bytes to `file`; returns its size in bytes. */
export async function writeRandomFile(file: string, mib: number): Promise<number> {
  const fh = await open(file, 'w', 0o644);
  const chunk = randomBytes(1 << 20);
  for (let i = 0; i < mib; i++) await fh.write(chunk);
  await fh.close();
  return mib * (1 << 20);
}

/** recon's HTTP service on br0 of the rig, serving `www` under /install; resolves once it is ready. */
export async function startReconHttp(rig: NetnsRig, dir: string, www: string): Promise<ChildProcess> {
  const cfg = {
    interface: 'br0',
    dataDir: join(dir, 'data'),
    tftpRoot: join(dir, 'tftp'),
    ipv4: { address: RIG_V4.master, prefix: 24, range: ['10.99.0.100', '10.99.0.200'] },
    ipv6: { enabled: false },
    http: { roots: { '/install': www } },
    log: { level: 'warn' },
  };
  await writeFile(join(dir, 'recon.json'), JSON.stringify(cfg));
  const recon = rig.spawn(rig.masterNs, [
    process.execPath,
    '--import',
    'tsx',
    'test/helpers/service-runner.ts',
    'src/net/http/service.ts',
    'startHttp',
    join(dir, 'recon.json'),
  ]);
  await waitForLine(recon, '"ready"', 'recon');
  return recon;
}
