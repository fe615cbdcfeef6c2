import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/commands.js';
import { recon, startMaster } from '../helpers/master.js';
import { readLog } from '../../src/model/log.js';

test('recon --help lists every command; --version prints the version', async () => {
  const r = await recon(['--help']);
  assert.equal(r.code, 0);
  for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${c.name} `, 'm'));
  const v = await recon(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+/);
});

for (const c of COMMANDS) {
  test(`recon ${c.name} --help shows usage and options`, async () => {
    const r = await recon([c.name, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`Usage: recon ${c.name}`));
    assert.match(r.stdout, /--help/);
  });
  test(`recon ${c.name} with a bad flag exits 2 with one line`, async () => {
    const r = await recon([c.name, '--no-such-flag']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /no-such-flag/);
  });
}

test('unknown command and missing verb exit 2', async () => {
  const r = await recon(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  const p = await recon(['power']);
  assert.equal(p.code, 2);
  assert.match(p.stderr, /expected one of on, peers, off/);
});

test('a broken config exits 2 with one line per problem', async () => {
  const m = await startMaster();
  try {
    const bad = join(m.dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ipv4: { address: 'nope' }, ports: { http: -5 } }));
    const r = await recon(['master', '--config', bad]);
    assert.equal(r.code, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /bad\.json: ipv4\.address: expected an IPv4 address/);
    assert.match(lines[1]!, /bad\.json: ports\.http:/);
    await writeFile(bad, '{ not json');
    const j = await recon(['master', '--config', bad]);
    assert.equal(j.code, 2);
    assert.match(j.stderr, /not valid JSON/);
  } finally {
    await m.cleanup();
  }
});

test('recon master runs; status prints the summary; SIGTERM leaves a state that reloads with nothing lost', async () => {
  const m = await startMaster();
  try {
    const pc = await recon(['master', '--config', m.configPath, '--print-config']);
    assert.equal(pc.code, 0);
    assert.equal((JSON.parse(pc.stdout) as { interface: string }).interface, 'lo');
    const s = await recon(['status', '--config', m.configPath]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /recon master .* bang 127\.0\.0\.1/);
    assert.match(s.stdout, /control up/);
    const js = await recon(['status', '--socket', m.socket, '--json']);
    const summary = JSON.parse(js.stdout) as {
      master: { ipv4: string };
      services: Record<string, { state: string }>;
    };
    assert.equal(summary.master.ipv4, '127.0.0.1');
    assert.equal(summary.services.control?.state, 'up');
    assert.equal(await m.stop('SIGTERM'), 0);
    const log = await readLog(join(m.dir, 'data', 'events.jsonl'));
    assert.equal(log.skipped.length, 0);
    assert.ok(log.events.some((e) => e.type === 'master.stopping'));
    const snap = JSON.parse(await readFile(join(m.dir, 'data', 'state.json'), 'utf8')) as { seq: number };
    assert.equal(snap.seq, log.events.at(-1)?.seq);
    const down = await recon(['status', '--socket', m.socket]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach the master/);
  } finally {
    await m.cleanup();
  }
});
