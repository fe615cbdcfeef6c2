// Is the simulator Redfish? Independent clients Debian ships drive it: python3-sushy (the library Ironic
// uses) and redfishtool (DMTF's) read the power state, set a one-time PXE boot and reset the system.
// First the simulator as a program (its runnable entry, host hooks as command lines) on a BMC address inside
// namespaces this test creates; then in-process on loopback with vendor profiles (iDRAC9, iLO 5, Supermicro
// X12, which demands If-Match), sushy verifying the simulator's certificate.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { IDRAC9, ILO5, SUPERMICRO_X12, type VendorFixture } from '../fixtures/bmc/redfish-vendors.js';
import { needs } from '../helpers/needs.js';
import { run, withRig, type ExecResult } from '../helpers/netns.js';
import { makeCertificate, MemoryHost, REDFISH_SIM_ARGV, startRedfishSim } from '../helpers/redfish-sim.js';

const SUSHY = '/usr/lib/python3/dist-packages/sushy/__init__.py';
const PASSWORD = 'sim-Passw0rd';

/** A sushy session: power state, PXE once (UEFI), On, then the given resets; prints one JSON line. */
const SUSHY_SCRIPT = `
import json, sys, sushy
url, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
s = sushy.Sushy(url + '/redfish/v1/', username=user, password=password)
system = s.get_system()
out = {'version': s.redfish_version, 'id': system.identity, 'before': str(system.power_state.value)}
out['resets'] = sorted(v.value for v in system.get_allowed_reset_system_values())
system.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_PXE, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE,
                               mode=sushy.BOOT_SOURCE_MODE_UEFI)
system.refresh()
out['boot'] = [system.boot.target.value, system.boot.enabled.value, system.boot.mode.value]
system.reset_system(sushy.RESET_ON)
system.refresh()
out['after_on'] = [system.power_state.value, system.boot.enabled.value]
system.reset_system(sushy.RESET_FORCE_OFF)
system.refresh()
out['after_off'] = system.power_state.value
out['auth'] = type(s._conn._auth).__name__
print(json.dumps(out))
`;

function sushyEnv(caFile: string): NodeJS.ProcessEnv {
  // requests takes its CA bundle from the environment over the session's own setting
  return { ...process.env, REQUESTS_CA_BUNDLE: caFile, CURL_CA_BUNDLE: '' };
}

function parseLast(r: ExecResult): Record<string, unknown> {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

/** redfishtool with the credentials in a config file (-c), never in argv. */
function redfishtool(cfg: string, rhost: string, ...args: string[]): string[] {
  return ['redfishtool', '-c', cfg, '-r', rhost, '-S', 'Always', '-T', '10', ...args];
}

test(
  'the simulator program on a BMC address in a namespace: redfishtool and sushy power it on with a one-time PXE boot',
  { skip: needs({ root: true, tools: ['ip', 'openssl', 'redfishtool', SUSHY] }), timeout: 120_000 },
  async () => {
    await withRig('rfsim', async ({ rig, dir, defer }) => {
      const bmc = await rig.addPeer('02:00:00:00:0b:01');
      await rig.exec(bmc.ns, ['ip', 'addr', 'add', '10.99.0.10/24', 'dev', 'eth0']);
      const { cert, key } = await makeCertificate('10.99.0.10');
      await writeFile(join(dir, 'cert.pem'), cert);
      await writeFile(join(dir, 'key.pem'), key, { mode: 0o600 });
      await writeFile(join(dir, 'password'), `${PASSWORD}\n`, { mode: 0o600 });
      await writeFile(join(dir, 'rt.json'), JSON.stringify({ user: 'admin', password: PASSWORD }), {
        mode: 0o600,
      });
      const hooks = join(dir, 'hooks.log');
      const log = (what: string) => `echo "${what}" >> ${hooks}`;
      const sim = rig.spawn(bmc.ns, [
        ...REDFISH_SIM_ARGV,
        '--address',
        '10.99.0.10',
        '--port',
        '443',
        '--username',
        'admin',
        '--password-file',
        join(dir, 'password'),
        '--cert',
        join(dir, 'cert.pem'),
        '--key',
        join(dir, 'key.pem'),
        '--on-cmd',
        log('on $RECON_BOOT_TARGET $RECON_BOOT_ENABLED $RECON_BOOT_MODE'),
        '--off-cmd',
        log('off'),
        '--graceful-cmd',
        log('graceful'),
        '--boot-file',
        join(dir, 'boot'),
      ]);
      defer(() => sim.kill('SIGTERM'));
      let banner = '';
      sim.stdout!.on('data', (c: Buffer) => (banner += c.toString()));
      sim.stderr!.on('data', (c: Buffer) => (banner += c.toString()));
      for (let i = 0; i < 150 && !banner.includes('listening'); i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.match(
        banner,
        /redfish-sim listening https:\/\/10\.99\.0\.10:443 sha256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/,
      );

      const cfg = join(dir, 'rt.json');
      const rt = (...args: string[]) => rig.exec(rig.masterNs, redfishtool(cfg, '10.99.0.10', ...args));
      const root = await rt('root');
      assert.equal(root.code, 0, root.stderr);
      assert.equal((JSON.parse(root.stdout) as { RedfishVersion: string }).RedfishVersion, '1.15.0');
      const power = () =>
        rt('Systems', '-1', '-P', 'PowerState').then((r) => JSON.parse(r.stdout) as { PowerState: string });
      assert.deepEqual(await power(), { PowerState: 'Off' });
      const boot = await rt('Systems', '-1', 'setBootOverride', 'Once', 'Pxe');
      assert.equal(boot.code, 0, boot.stderr);
      assert.equal((await rt('-A', 'Session', 'Systems', '-1', 'reset', 'On')).code, 0);
      assert.deepEqual(await power(), { PowerState: 'On' });
      assert.equal((await readFile(join(dir, 'boot'), 'utf8')).trim(), 'Pxe Once UEFI');
      assert.equal((await rt('Systems', '-1', 'reset', 'GracefulShutdown')).code, 0);
      assert.equal((await rt('Systems', '-1', 'reset', 'ForceOff')).code, 0);
      assert.deepEqual(await power(), { PowerState: 'Off' });
      const refused = await rt('Systems', '-1', 'reset', 'Pause');
      assert.notEqual(refused.code, 0, 'a reset type outside AllowableValues is refused');

      await writeFile(join(dir, 'drive-with-sushy.py'), SUSHY_SCRIPT);
      const r = await run(
        [
          'ip',
          'netns',
          'exec',
          rig.masterNs,
          'env',
          `REQUESTS_CA_BUNDLE=${join(dir, 'cert.pem')}`,
          'CURL_CA_BUNDLE=',
          '/usr/bin/python3',
          join(dir, 'drive-with-sushy.py'),
          'https://10.99.0.10',
          'admin',
          PASSWORD,
        ],
        { timeoutMs: 60_000 },
      );
      const out = parseLast(r);
      assert.deepEqual(
        {
          before: out.before,
          boot: out.boot,
          afterOn: out.after_on,
          afterOff: out.after_off,
          auth: out.auth,
        },
        {
          before: 'Off',
          boot: ['Pxe', 'Once', 'UEFI'],
          afterOn: ['On', 'Disabled'],
          afterOff: 'Off',
          auth: 'SessionOrBasicAuth',
        },
      );
      assert.deepEqual((await readFile(hooks, 'utf8')).trim().split('\n'), [
        'on Pxe Once UEFI',
        'graceful',
        'off',
        'on Pxe Once UEFI',
        'off',
      ]);
      sim.kill('SIGTERM');
      await once(sim, 'exit');
    });
  },
);

const LOOPBACK_VENDORS: VendorFixture[] = [IDRAC9, ILO5, SUPERMICRO_X12];
for (const vendor of LOOPBACK_VENDORS)
  test(
    `sushy and redfishtool drive the ${vendor.name}-shaped simulator on loopback`,
    { skip: needs({ tools: ['openssl', 'redfishtool', SUSHY] }), timeout: 120_000 },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'recon-rfcli-'));
      const host = new MemoryHost('Off');
      const sim = await startRedfishSim({ username: 'admin', password: PASSWORD, vendor, host });
      try {
        await writeFile(join(dir, 'ca.pem'), sim.certPem);
        await writeFile(join(dir, 'drive-with-sushy.py'), SUSHY_SCRIPT);
        await writeFile(join(dir, 'rt.json'), JSON.stringify({ user: 'admin', password: PASSWORD }));
        await chmod(join(dir, 'rt.json'), 0o600);
        const r = await new Promise<ExecResult>((resolve) => {
          import('node:child_process')
            .then(({ execFile }) =>
              execFile(
                '/usr/bin/python3',
                [join(dir, 'drive-with-sushy.py'), sim.url, 'admin', PASSWORD],
                { env: sushyEnv(join(dir, 'ca.pem')), timeout: 60_000 },
                (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
              ),
            )
            .catch((e: Error) => resolve({ code: 1, stdout: '', stderr: e.message }));
        });
        const out = parseLast(r);
        assert.equal(out.id, vendor.expect.systemId);
        assert.deepEqual(out.boot, ['Pxe', 'Once', 'UEFI']);
        assert.deepEqual(out.after_on, ['On', 'Disabled']);
        assert.equal(out.after_off, 'Off');
        assert.deepEqual(host.boots, [{ target: 'Pxe', enabled: 'Once', mode: 'UEFI' }]);
        if (vendor.requireIfMatch)
          assert.ok(
            sim.requests.filter((q) => q.method === 'PATCH').every((q) => q.ifMatch),
            'sushy sent If-Match',
          );

        const cfg = join(dir, 'rt.json');
        const rt = (...args: string[]) => run(redfishtool(cfg, `127.0.0.1:${sim.port}`, ...args));
        const boot = await rt('Systems', '-1', 'setBootOverride', 'Once', 'Pxe');
        assert.equal(boot.code, 0, boot.stderr + boot.stdout);
        assert.equal((await rt('Systems', '-1', 'reset', 'On')).code, 0);
        const state = JSON.parse((await rt('Systems', '-1', '-P', 'PowerState')).stdout) as {
          PowerState: string;
        };
        assert.equal(state.PowerState, 'On');
        assert.equal(host.boots.length, 2);
        assert.equal(host.boots[1]!.target, 'Pxe');
      } finally {
        await sim.stop();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
