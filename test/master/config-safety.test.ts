// Config rules that keep the master's data and secrets to itself: the shipped config validates; a data dir
// inside, equal to or around an HTTP root or the TFTP root is refused with one clear line (also by
// `recon master` itself, before anything starts); `--print-config` and the log never show the BMC password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../../src/model/config/load.js';
import { REDACTED, redactSecrets } from '../../src/model/config/secrets.js';
import { masterLogger } from '../../src/model/logger.js';
import { loopbackConfig, recon } from '../helpers/master.js';

const SHIPPED = new URL('../../overlay-root/etc/recon/recon.json', import.meta.url);

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

void test('the shipped config validates and serves no tree holding its data dir', async () => {
  const raw = JSON.parse(await readFile(SHIPPED, 'utf8')) as unknown;
  const c = parseConfig(raw, SHIPPED.pathname);
  assert.equal(c.dataDir, '/export/nodes');
  assert.deepEqual(Object.keys(c.http.roots).sort(), ['/install', '/isos']);
  // and so do the defaults
  assert.deepEqual(problems({}), []);
});

void test('a data dir overlapping a served tree is refused with one line per overlap', () => {
  const served = (line: string) => `${line}, so every peer could download the log, events and state`;
  const rows: [string, unknown, string[]][] = [
    [
      'the recipe config: data dir under the /export root',
      { dataDir: '/export/nodes', http: { roots: { '/install': '/export/install', '/export': '/export' } } },
      [
        served('dataDir: /export/nodes is inside the HTTP root /export (/export)') +
          ': move dataDir out of it',
      ],
    ],
    [
      'equal to a root',
      { dataDir: '/srv/data', http: { roots: { '/data': '/srv/data/' } } },
      [served('dataDir: /srv/data is inside the HTTP root /data (/srv/data/)') + ': move dataDir out of it'],
    ],
    [
      'a root inside the data dir',
      { dataDir: '/srv/data', http: { roots: { '/nodes': '/srv/data/nodes' } } },
      [
        served('dataDir: /srv/data contains the HTTP root /nodes (/srv/data/nodes)') +
          ': serve a directory outside dataDir',
      ],
    ],
    [
      'the whole file system served',
      { dataDir: '/srv/data', http: { roots: { '/all': '/' } } },
      [served('dataDir: /srv/data is inside the HTTP root /all (/)') + ': move dataDir out of it'],
    ],
    [
      'written with a dot-dot',
      { dataDir: '/export/x/../nodes', http: { roots: { '/export': '/export' } } },
      [
        served('dataDir: /export/x/../nodes is inside the HTTP root /export (/export)') +
          ': move dataDir out of it',
      ],
    ],
    [
      'inside the TFTP root',
      { dataDir: '/srv/tftpboot/data', http: { roots: {} } },
      [
        served('dataDir: /srv/tftpboot/data is inside the TFTP root (/srv/tftpboot)') +
          ': move dataDir out of it',
      ],
    ],
    [
      'the log file under an HTTP root',
      { dataDir: '/srv/data', log: { file: '/export/recon.log' }, http: { roots: { '/export': '/export' } } },
      ['log.file: /export/recon.log is inside the HTTP root /export (/export): every peer could download it'],
    ],
    [
      'a sibling with a common prefix is no overlap',
      { dataDir: '/export/nodes', http: { roots: { '/n': '/export/nodes2', '/e': '/export/node' } } },
      [],
    ],
    [
      'the view-only socket must be another socket',
      { controlSocket: '/run/recon/c.sock', controlSocketReadOnly: '/run/recon/c.sock' },
      ['controlSocketReadOnly: must not be the control socket itself'],
    ],
  ];
  for (const [name, raw, want] of rows) assert.deepEqual(problems(raw), want, name);
});

void test('recon master refuses a data dir under an HTTP root: exit 2 (bad config), one line, nothing started', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-cfg-'));
  try {
    const base = loopbackConfig(dir);
    const file = join(dir, 'recon.json');
    await writeFile(
      file,
      JSON.stringify({
        ...base,
        dataDir: join(dir, 'export', 'nodes'),
        http: { roots: { '/export': join(dir, 'export') } },
      }),
    );
    const r = await recon(['master', '--config', file], { timeoutMs: 60_000 });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(
      r.stderr.trim(),
      `${file}: dataDir: ${dir}/export/nodes is inside the HTTP root /export (${dir}/export), so every peer ` +
        'could download the log, events and state: move dataDir out of it',
    );
    await assert.rejects(readFile(join(dir, 'export', 'nodes', 'events.jsonl')), 'no data dir was made');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const PASSWORD = 'Sup3r-Secret-BMC-Pw';

void test('secrets: --print-config and the log show the BMC password only as [redacted]', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recon-secret-'));
  try {
    const file = join(dir, 'recon.json');
    await writeFile(
      file,
      JSON.stringify({ ...loopbackConfig(dir), power: { ipmi: { password: PASSWORD } } }),
    );
    const r = await recon(['master', '--config', file, '--print-config'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(PASSWORD), 'the password is not printed');
    const printed = JSON.parse(r.stdout) as { power: { ipmi: { password?: string; username: string } } };
    assert.equal(printed.power.ipmi.password, REDACTED);
    assert.equal(printed.power.ipmi.username, 'ADMIN', 'other keys are untouched');

    // pure: nested, in arrays, absent secrets stay absent, the input is not changed
    const input = {
      a: { password: 'x', passwordFile: '/p' },
      list: [{ token: 't' }],
      b: { secret: undefined },
    };
    assert.deepEqual(redactSecrets(input), {
      a: { password: REDACTED, passwordFile: '/p' },
      list: [{ token: REDACTED }],
      b: { secret: undefined },
    });
    assert.equal(input.a.password, 'x');

    // the master's logger redacts the same keys wherever a log line carries them
    const config = parseConfig({ ...loopbackConfig(dir), power: { ipmi: { password: PASSWORD } } });
    const log = masterLogger(config);
    log.info({ config }, 'config as loaded');
    log.warn({ ipmi: config.power.ipmi }, 'ipmi settings');
    log.error({ password: PASSWORD, env: { IPMI_PASSWORD: PASSWORD } }, 'a careless line');
    await new Promise<void>((resolve) => log.flush(() => resolve()));
    // the file stream writes in the background: wait (bounded) until the three lines are in
    let text = '';
    for (let i = 0; i < 100; i++) {
      text = await readFile(join(config.dataDir, 'recon.log'), 'utf8').catch(() => '');
      if (text.split('\n').filter(Boolean).length >= 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(text.split('\n').filter(Boolean).length, 3, text);
    assert.ok(!text.includes(PASSWORD), `the log holds no password:\n${text}`);
    assert.equal(text.split(REDACTED).length - 1, 4, text);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
