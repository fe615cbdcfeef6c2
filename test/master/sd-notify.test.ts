// recon-master.service is Type=notify: `recon master` tells systemd READY=1 once its services are up, and
// STOPPING=1 when an orderly stop begins. systemd's side of the socket is played by python3's AF_UNIX
// datagram socket (Node has none), a listener nobody here wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { needs } from '../helpers/needs.js';
import { startMaster } from '../helpers/master.js';
import { ControlClient } from '../../src/master/control/client.js';
import { notifySystemd } from '../../src/master/sd-notify.js';

/** Prints every datagram received on `path` (a file, or '@name' for the abstract namespace) as one line. */
const LISTENER = `
import socket, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\\0" + path[1:] if path.startswith("@") else path)
print("listening", flush=True)
s.settimeout(60)
while True:
    print(s.recv(4096).decode().replace("\\n", "|"), flush=True)
`;

async function listen(path: string): Promise<{ next: () => Promise<string>; close: () => void }> {
  const proc = spawn('python3', ['-c', LISTENER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const timer = setTimeout(() => proc.kill(), 30_000);
    const r = await lines.next();
    clearTimeout(timer);
    if (r.done) throw new Error('the notify listener ended without a datagram');
    return r.value;
  };
  assert.equal(await next(), 'listening');
  return { next, close: () => proc.kill() };
}

void test(
  'sd_notify reaches a path socket and an abstract one; nothing is sent without NOTIFY_SOCKET',
  {
    skip: needs({ tools: ['python3'] }),
  },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recon-notify-'));
    try {
      for (const path of [join(dir, 'notify'), `@recon-notify-test-${process.pid}`]) {
        const l = await listen(path);
        try {
          assert.equal(await notifySystemd('READY=1\nSTATUS=test', path), true);
          assert.equal(await l.next(), 'READY=1|STATUS=test');
        } finally {
          l.close();
        }
      }
      assert.equal(await notifySystemd('READY=1', ''), false);
      await assert.rejects(notifySystemd('READY=1', join(dir, 'nobody-listens')), /ENOENT|ECONNREFUSED/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

void test(
  'recon master says READY=1 once its services are up, and STOPPING=1 on SIGTERM',
  {
    skip: needs({ tools: ['python3'] }),
  },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recon-notify-'));
    const path = join(dir, 'notify');
    const l = await listen(path);
    const m = await startMaster({ env: { NOTIFY_SOCKET: path } });
    try {
      const ready = await l.next();
      assert.match(ready, /^READY=1\|STATUS=serving on lo\|MAINPID=\d+$/);
      // READY comes after every service was started: none is still starting
      const c = await ControlClient.connect(m.socket, 2000);
      try {
        const { services } = (await c.getState()).state;
        for (const name of ['http', 'tftp', 'dns', 'dhcp4'])
          assert.ok(services[name as keyof typeof services]?.state === 'up', `${name} is up at READY`);
      } finally {
        c.close();
      }
      assert.equal(await m.stop('SIGTERM'), 0);
      assert.equal(await l.next(), 'STOPPING=1');
    } finally {
      l.close();
      await m.cleanup();
      await rm(dir, { recursive: true, force: true });
      assert.ok(!existsSync(dir));
    }
  },
);
