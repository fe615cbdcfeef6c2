// `recon lab --peers 1 --qemu 1 --bmc` driven like a person in a tmux terminal: the lab's VM is switched
// off behind its BMC; on the console's BMCs screen (B) the operator selects it and presses W, confirms
// with y, and the VM boots once from the network through recon, uploads and powers off. q ends the lab,
// which removes everything it made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labVmMac } from '../../src/lab/vm/qemu-peers.js';
import { reconArgv } from '../helpers/master.js';
import { needs } from '../helpers/needs.js';
import { run } from '../helpers/netns.js';
import { Tmux, until } from '../helpers/tmux.js';
import { bmcVmSkip } from './bmc-rig.js';
import { labImage, vmSkip } from './vm-rig.js';

const skip = vmSkip({ postTgz: true }) || bmcVmSkip() || needs({ tools: ['tmux'] });

/** The newest lab directory under `<cwd>/.lab`, once the lab made one. */
function labDir(cwd: string): string | undefined {
  try {
    const dirs = readdirSync(join(cwd, '.lab')).sort();
    return dirs.length ? join(cwd, '.lab', dirs.at(-1)!) : undefined;
  } catch {
    return undefined;
  }
}

const read = (path: string): string => {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
};

void test(
  'tmux: recon lab --qemu 1 --bmc, the BMCs screen, W and y power the switched-off VM on; it uploads and goes off',
  { skip, timeout: 600_000 },
  async (t) => {
    // built (or reused) first, so the lab itself does not spend the test's time on it
    const image = await labImage('collector');
    if (typeof image === 'string') return t.skip(image);
    const cwd = await mkdtemp(join(tmpdir(), 'recon-lab-bmc-tmux-'));
    const tmux = new Tmux();
    const s = 'lab';
    let pid: number | undefined;
    try {
      tmux.start(
        s,
        [...reconArgv(), 'lab', '--peers', '1', '--qemu', '1', '--bmc'],
        // run from the source (tsx), the console's JSX needs the project's tsconfig, not the temp dir's
        {
          TERM: 'xterm-256color',
          CI: 'true',
          TSX_TSCONFIG_PATH: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)),
        },
        { columns: 140, rows: 40, cwd, remainOnExit: true },
      );
      pid = tmux.pane(s).pid;
      const dir = await until(
        () => 'the lab directory',
        () => labDir(cwd),
        60_000,
      );
      const power = join(dir, 'vms', 'vm0', 'power.log');

      // the BMCs screen lists the VM's BMC (the master found it at the address its config names)
      await tmux.waitFor(s, /^recon bang /m, 120_000);
      tmux.keys(s, 'B');
      const bmcScreen = await tmux.waitFor(s, /\b10\.\d+\.\d+\.2\b.*ipmi/i, 120_000);
      const bmc = /\b(10\.\d+\.\d+\.2)\b/.exec(bmcScreen)![1]!;
      assert.equal(read(power), '', `switched off, nothing asked of it yet:\n${bmcScreen}`);

      tmux.keys(s, 'W');
      await tmux.waitFor(
        s,
        new RegExp(
          `One-time network boot and power on through BMC ${bmc.replace(/\./g, '\\.')}\\? \\(y/N\\)`,
        ),
      );
      const t0 = Date.now();
      tmux.keys(s, 'y');
      await until(
        () => `the VM on with the one-time PXE boot:\n${read(power)}\n${tmux.capture(s)}`,
        () => /boot device pxe\n.* on \(boot pxe\)/.test(read(power)),
        120_000,
      );
      const serial = join(dir, 'vms', 'vm0', 'serial.log');
      await until(
        () => `the VM's upload:\n${read(serial).slice(-2000)}`,
        () => read(serial).includes('recon-collect: inventory stored by master'),
        400_000,
      );
      t.diagnostic(`W, y → inventory stored in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await until(
        () => `the VM powers off:\n${read(serial).slice(-1000)}`,
        () => read(serial).includes('reboot: Power down'),
        120_000,
      );
      const events = read(join(dir, 'data', 'events.jsonl'));
      assert.match(events, new RegExp(`"action":"power on","ok":true[^\\n]*"by":"console:`));
      assert.match(events, new RegExp(`"mac":"${labVmMac(0)}","stage":"uploaded"`));
      assert.doesNotMatch(read(serial), /RECON-LAB-DISK-BOOTED/);

      tmux.keys(s, 'q');
      await until(
        () => `the lab ends:\n${tmux.capture(s, { history: true })}`,
        () => tmux.pane(s).dead,
        120_000,
      );
      assert.match(tmux.capture(s, { joined: true, history: true }), /lab: torn down/);
      const procs = (await run(['ps', '-eo', 'args'])).stdout;
      assert.ok(!procs.includes(join(dir, 'vms')), 'a QEMU or ipmi_sim of the lab is still running');
    } finally {
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        await new Promise((r) => setTimeout(r, 3000));
        const id = `rlab${pid % 100000}`;
        const left = (await run(['ip', 'netns', 'list'])).stdout.match(new RegExp(`^${id}[mpb]\\d*`, 'gm'));
        for (const ns of left ?? []) {
          const pids = (await run(['ip', 'netns', 'pids', ns])).stdout.split(/\s+/).filter(Boolean);
          for (const p of pids) await run(['kill', '-9', p]);
          await run(['ip', 'netns', 'del', ns]);
        }
      }
      tmux.kill();
      await rm(cwd, { recursive: true, force: true });
    }
  },
);
