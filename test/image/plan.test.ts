// What the role step hands to the boot scripts: env files readable by sh and systemd, the runtime config
// with the chosen NIC's real name, per-console arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseConfig } from '../../src/model/config/load.js';
import { consoleArgs, masterPlan, peerPlan, quoteEnv } from '../../src/image/plan.js';
import type { Nic } from '../../src/image/nic.js';

const NIC: Nic = { name: 'enp1s0', mac: '52:54:00:12:34:56', ifindex: 2, carrier: true, ethernet: true };

/** Reads an env file the way the role script does (sh `.`) and returns the variables it set. */
function sourced(text: string, names: string[]): Record<string, string> {
  const script = `${text}\nfor n in ${names.join(' ')}; do eval "printf '%s=%s\\n' \\"\\$n\\" \\"\\\${$n-}\\""; done`;
  const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

void test('quoteEnv: one single-quoted word for sh and systemd; quotes, backslashes and newlines replaced', () => {
  assert.equal(quoteEnv('a b'), `'a b'`);
  assert.equal(quoteEnv(`it's \\ \n`), `'it_s _ _'`);
  assert.deepEqual(sourced(`X=${quoteEnv(`$(touch /nonexistent) it's`)}`, ['X']), {
    X: '$(touch /nonexistent) it_s',
  });
});

void test('consoleArgs: read-only hides actions, serial terminals draw ASCII', () => {
  assert.deepEqual(consoleArgs('tty1', 'interactive'), []);
  assert.deepEqual(consoleArgs('ttyS0', 'interactive'), ['--ascii']);
  assert.deepEqual(consoleArgs('ttyS1', 'read-only'), ['--read-only', '--ascii']);
  assert.deepEqual(consoleArgs('tty2', 'read-only'), ['--read-only']);
});

void test('masterPlan: env, runtime config with the real NIC name, one env file per console', () => {
  const config = parseConfig({ interface: 'auto' });
  const plan = masterPlan({ role: 'master', reason: 'no pxeaddr=' }, config, NIC);
  const env = sourced(plan.env, [
    'RECON_ROLE',
    'RECON_INTERFACE',
    'RECON_IPV4',
    'RECON_IPV6',
    'RECON_CONSOLES',
  ]);
  assert.deepEqual(env, {
    RECON_ROLE: 'master',
    RECON_INTERFACE: 'enp1s0',
    RECON_IPV4: '192.168.219.1/24',
    RECON_IPV6: 'fd52:ec0e:d1a8::1/64',
    RECON_CONSOLES: 'tty1 ttyS0 ttyS1',
  });
  assert.equal(plan.runtimeConfig?.interface, 'enp1s0');
  // the runtime config is a valid config in its own right
  assert.deepEqual(parseConfig(JSON.parse(JSON.stringify(plan.runtimeConfig))), plan.runtimeConfig);
  assert.deepEqual([...plan.consoles.keys()], ['tty1', 'ttyS0', 'ttyS1']);
  assert.deepEqual(sourced(plan.consoles.get('ttyS1') ?? '', ['RECON_CONSOLE_ARGS', 'TERM']), {
    RECON_CONSOLE_ARGS: '--read-only --ascii',
    TERM: 'vt220',
  });
  assert.deepEqual(sourced(plan.consoles.get('tty1') ?? '', ['RECON_CONSOLE_ARGS', 'TERM']), {
    RECON_CONSOLE_ARGS: '',
    TERM: 'linux',
  });
});

void test('masterPlan: IPv6 off leaves RECON_IPV6 unset; a console key that is not a plain name is ignored', () => {
  const config = parseConfig({
    ipv6: { enabled: false },
    consoles: { tty1: 'interactive', '../x': 'read-only' },
  });
  const plan = masterPlan({ role: 'master', reason: 'r' }, config, NIC);
  assert.doesNotMatch(plan.env, /RECON_IPV6/);
  assert.deepEqual([...plan.consoles.keys()], ['tty1']);
});

void test('peerPlan: pxeaddr and boot MAC, no config and no consoles', () => {
  const plan = peerPlan({
    role: 'peer',
    reason: 'pxeaddr=10.99.0.1',
    pxeaddr: '10.99.0.1',
    bootMac: NIC.mac,
  });
  assert.deepEqual(sourced(plan.env, ['RECON_ROLE', 'RECON_PXEADDR', 'RECON_MAC']), {
    RECON_ROLE: 'peer',
    RECON_PXEADDR: '10.99.0.1',
    RECON_MAC: NIC.mac,
  });
  assert.equal(plan.runtimeConfig, undefined);
  assert.equal(plan.consoles.size, 0);
  assert.doesNotMatch(plan.env, /RECON_INTERFACE/);
  assert.doesNotMatch(peerPlan({ role: 'peer', reason: 'r' }).env, /RECON_PXEADDR/);
  assert.match(peerPlan({ role: 'peer', reason: 'r' }, NIC).env, /^RECON_INTERFACE='enp1s0'$/m);
});
