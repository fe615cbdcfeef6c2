// IpmiClient without a BMC: a stand-in `ipmitool` script records the argv and environment it was given and
// replays a recorded real answer (test/fixtures/power). Proves the RMCP+/lanplus arguments (cipher suite,
// port, per-try timeout), the password reaching ipmitool only through IPMI_PASSWORD (-E), the retry rules and
// the failure kinds the caller sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IpmiClient, type IpmiOptions, type IpmiTarget } from '../../src/net/bmc/ipmi/ipmitool.js';
import { IpmiError } from '../../src/net/bmc/ipmi/ipmi-result.js';
import { freeUdpPort } from './ipmi-sim.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/power/', import.meta.url));
const PASSWORD = 'pw with spaces; $HOME `x`';

interface Call {
  argv: string[];
  ipmiPassword: string;
  ipmitoolPassword: string;
}

/** A stand-in ipmitool that records each call and answers like the recorded case (or sleeps). */
async function fakeIpmitool(dir: string, answer: string | { sleepSeconds: number }): Promise<string> {
  const bin = join(dir, 'ipmitool');
  const reply =
    typeof answer === 'string'
      ? `cat '${FIXTURES}ipmitool-${answer}.stdout'; cat '${FIXTURES}ipmitool-${answer}.stderr' >&2; exit "$(cat '${FIXTURES}ipmitool-${answer}.rc')"`
      : `exec sleep ${answer.sleepSeconds}`;
  await writeFile(
    bin,
    `#!/bin/sh
n=$(ls '${dir}' | grep -c '^call-')
{ printf '%s\\0' "$@"; printf '\\n%s\\n%s\\n' "\${IPMI_PASSWORD-<unset>}" "\${IPMITOOL_PASSWORD-<unset>}"; } > '${dir}/call-'$n
${reply}
`,
  );
  await chmod(bin, 0o755);
  return bin;
}

async function calls(dir: string): Promise<Call[]> {
  const names = (await readdir(dir)).filter((f) => f.startsWith('call-')).sort();
  return Promise.all(
    names.map(async (f) => {
      const [argv = '', ipmiPassword = '', ipmitoolPassword = ''] = (
        await readFile(join(dir, f), 'utf8')
      ).split('\n');
      return { argv: argv.split('\0').filter(Boolean), ipmiPassword, ipmitoolPassword };
    }),
  );
}

async function withFake(
  answer: string | { sleepSeconds: number },
  target: Partial<IpmiTarget>,
  opts: Partial<IpmiOptions>,
  body: (c: IpmiClient, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'recon-ipmitool-'));
  try {
    const bin = await fakeIpmitool(dir, answer);
    const client = new IpmiClient(
      { host: '127.0.0.1', port: 623, username: 'admin', password: PASSWORD, cipherSuite: 3, ...target },
      { timeoutSeconds: 8, retries: 0, ipmitool: bin, ...opts },
    );
    await body(client, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function failure(p: Promise<unknown>): Promise<IpmiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof IpmiError, `expected IpmiError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a failure');
}

test('lanplus arguments: cipher suite, port, per-try timeout; the password only in IPMI_PASSWORD', async () => {
  const saved = process.env.IPMITOOL_PASSWORD;
  process.env.IPMITOOL_PASSWORD = 'from-the-environment-of-recon';
  try {
    await withFake(
      'status-on',
      { host: 'fd00::5', port: 6230, username: 'ops', cipherSuite: 17 },
      { timeoutSeconds: 12 },
      async (c, dir) => {
        const table: [() => Promise<unknown>, string[], unknown][] = [
          [() => c.powerStatus(), ['chassis', 'power', 'status'], 'on'],
          [() => c.softOff(), ['chassis', 'power', 'soft'], undefined],
          [() => c.hardOff(), ['chassis', 'power', 'off'], undefined],
        ];
        const base = [
          '-v',
          '-I',
          'lanplus',
          '-C',
          '17',
          '-H',
          'fd00::5',
          '-p',
          '6230',
          '-U',
          'ops',
          '-E',
          '-N',
          '3',
          '-R',
          '1',
        ];
        assert.deepEqual(c.baseArgs(), base);
        for (const [call, , want] of table) assert.equal(await call(), want);
        const seen = await calls(dir);
        assert.deepEqual(
          seen.map((s) => s.argv),
          table.map(([, cmd]) => [...base, ...cmd]),
        );
        for (const s of seen) {
          assert.equal(s.ipmiPassword, PASSWORD, 'the password arrives whole through the environment');
          assert.equal(s.ipmitoolPassword, '<unset>', 'a stray IPMITOOL_PASSWORD is not passed on');
          assert.ok(!s.argv.some((a) => a.includes('pw with spaces')), 'never in argv');
          assert.ok(!s.argv.includes('-P'));
        }
      },
    );
  } finally {
    if (saved === undefined) delete process.env.IPMITOOL_PASSWORD;
    else process.env.IPMITOOL_PASSWORD = saved;
  }
});

test('per-try timeout is a quarter of the limit, at least 1 s', () => {
  const table: [number, string][] = [
    [1, '1'],
    [4, '1'],
    [7, '1'],
    [8, '2'],
    [30, '7'],
  ];
  for (const [limit, perTry] of table) {
    const c = new IpmiClient(
      { host: '127.0.0.1', port: 623, username: 'admin', password: 'x', cipherSuite: 3 },
      { timeoutSeconds: limit, retries: 0 },
    );
    const a = c.baseArgs();
    assert.equal(a[a.indexOf('-N') + 1], perTry, `limit ${limit}`);
  }
});

test('a wrong password fails at once as auth: never retried (retries could lock the account)', async () => {
  const retried: number[] = [];
  await withFake(
    'wrong-password',
    {},
    { retries: 3, onRetry: (_e, n) => retried.push(n) },
    async (c, dir) => {
      const e = await failure(c.powerStatus());
      assert.equal(e.kind, 'auth');
      assert.equal(
        e.message,
        'authentication failed: 127.0.0.1:623 chassis power status: RAKP 2 HMAC is invalid; Error: Unable to establish IPMI v2 / RMCP+ session',
      );
      assert.equal((await calls(dir)).length, 1);
      assert.deepEqual(retried, []);
    },
  );
});

test('other failures are retried as configured, each retry reported', async () => {
  const retried: string[] = [];
  await withFake(
    'cipher-17',
    {},
    { retries: 2, onRetry: (e, n) => retried.push(`${n}:${e.kind}`) },
    async (c, dir) => {
      const e = await failure(c.hardOff());
      assert.equal(e.kind, 'other');
      assert.match(
        e.message,
        /^IPMI failed: 127\.0\.0\.1:623 chassis power off: Error in open session response/,
      );
      assert.equal((await calls(dir)).length, 3);
      assert.deepEqual(retried, ['1:other', '2:other']);
    },
  );
});

test('no answer: a presence ping tells a closed port (unreachable) from a silent one (timeout)', async () => {
  const closed = await freeUdpPort();
  await withFake('no-answer', { port: closed }, {}, async (c) => {
    const e = await failure(c.powerStatus());
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, /\(presence ping: refused\)$/);
  });
  const silent = createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  try {
    await withFake('silent', { port: silent.address().port }, {}, async (c) => {
      const e = await failure(c.powerStatus());
      assert.equal(e.kind, 'timeout');
      assert.match(e.message, /\(presence ping: silent\)$/);
    });
  } finally {
    silent.close();
  }
});

test('an ipmitool that hangs is killed at the limit and reported as a timeout', async () => {
  await withFake({ sleepSeconds: 30 }, {}, { timeoutSeconds: 1, retries: 1 }, async (c, dir) => {
    const started = Date.now();
    const e = await failure(c.powerStatus());
    assert.equal(e.kind, 'timeout');
    assert.equal(e.message, 'BMC timed out: 127.0.0.1:623 chassis power status: no answer within 1 s');
    assert.equal((await calls(dir)).length, 2, 'a timeout is worth one more try');
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });
});

test('a status answer that is not a status is an error, not a guess', async () => {
  await withFake('soft', {}, {}, async (c) => {
    const e = await failure(c.powerStatus());
    assert.equal(e.kind, 'other');
    assert.equal(e.message, 'IPMI failed: unexpected power status answer: Chassis Power Control: Soft');
  });
});

test('a missing ipmitool is reported once, not retried', async () => {
  const c = new IpmiClient(
    { host: '127.0.0.1', port: 623, username: 'admin', password: 'x', cipherSuite: 3 },
    { timeoutSeconds: 2, retries: 3, ipmitool: '/nonexistent/ipmitool' },
  );
  const e = await failure(c.powerStatus());
  assert.equal(e.kind, 'other');
  assert.match(e.message, /\/nonexistent\/ipmitool: not found/);
});
