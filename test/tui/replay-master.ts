// A master for console tests and the benchmark: the real StateStore and the real ControlServer on a
// temp socket, with scripted events instead of network traffic, and action handlers that record what
// the console asked for. Also runnable as a process:
//   node --import tsx test/tui/replay-master.ts --dir D [--nodes N] [--rate EVENTS_PER_S] [--live N]
// prints "ready <socket>" once serving.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { StateStore } from '../../src/model/store.js';
import { ControlServer } from '../../src/master/control/server.js';
import type { Action, ActionName } from '../../src/master/control/protocol.js';
import type { NewEvent } from '../../src/model/events.js';
import { fleetEvents, masterEvents, peerEvents } from './fleet.js';

export class ReplayMaster {
  readonly actions: { action: Action; by: string }[] = [];
  private constructor(
    readonly dir: string,
    readonly socket: string,
    readonly store: StateStore,
    readonly server: ControlServer,
    private readonly ownDir: boolean,
  ) {}

  /**
   * `log`: a recorded events.jsonl laid into the fresh data dir before the store opens (the store
   * recovers it like after a restart); `events`: emitted after start (default: the services report up); `actions`: the actions this
   * master can run (others answer "not available yet", as on a master without that capability).
   */
  static async start(
    opts: { dir?: string; log?: string; events?: NewEvent[]; actions?: ActionName[] } = {},
  ): Promise<ReplayMaster> {
    const ownDir = !opts.dir;
    const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'recon-tui-')));
    const log = pino({ level: 'silent' });
    if (opts.log) {
      await mkdir(join(dir, 'data'), { recursive: true });
      await copyFile(opts.log, join(dir, 'data', 'events.jsonl'));
    }
    const store = await StateStore.open(join(dir, 'data'), { log, snapshotEverySeconds: 3600 });
    await store.emit({
      type: 'master.started',
      data: {
        version: 'test',
        pid: process.pid,
        names: ['bang'],
        ipv4: '10.99.0.1',
        ipv6: 'fd99::1',
        dataDir: join(dir, 'data'),
      },
    });
    // a master start clears the services of the previous run: they report again, as on a real start
    const events = opts.events ?? masterEvents(Date.now());
    for (const ev of events) void store.emit(ev);
    await store.flush();
    const socket = join(dir, 'control.sock');
    const server = new ControlServer(socket, store, 'test', log);
    const m = new ReplayMaster(dir, socket, store, server, ownDir);
    const record = async (action: Action, ctx: { by: string; progress: (m: string) => void }) => {
      m.actions.push({ action, by: ctx.by });
      ctx.progress('queued');
      await new Promise((r) => setTimeout(r, 20));
      return { ok: true, message: `${action.name} accepted` };
    };
    for (const name of opts.actions ?? ['shutdown', 'shutdown-all', 'poweroff'])
      server.registerAction(name, record);
    await server.start();
    return m;
  }

  emit(ev: NewEvent): Promise<unknown> {
    return this.store.emit(ev);
  }

  /** Emits `events` at `perSecond`, in small batches every 20 ms, until done or aborted. */
  async replay(events: NewEvent[], perSecond: number, signal?: AbortSignal): Promise<number> {
    let sent = 0;
    const t0 = Date.now();
    while (sent < events.length && !signal?.aborted) {
      const due = Math.min(events.length, Math.floor(((Date.now() - t0) / 1000) * perSecond));
      for (; sent < due; sent++) void this.store.emit({ ...events[sent]!, at: new Date().toISOString() });
      await new Promise((r) => setTimeout(r, 20));
    }
    await this.store.flush();
    return sent;
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.store.close();
    if (this.ownDir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Endless live traffic: the fleet's peers boot again, one after the other. */
export function* liveTraffic(nodes: number, from = 0): Generator<NewEvent> {
  for (let i = from; ; i++) yield* peerEvents(i % nodes, Date.now());
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      log: { type: 'string' },
      nodes: { type: 'string' },
      rate: { type: 'string' },
      rogue: { type: 'boolean' },
    },
  });
  const nodes = Number(values.nodes ?? '8');
  const m = await ReplayMaster.start({
    dir: values.dir,
    log: values.log,
    events: values.log ? undefined : fleetEvents(nodes, Date.now() - 60_000, { rogue: values.rogue }),
  });
  process.stdout.write(`ready ${m.socket}\n`);
  const stop = new AbortController();
  for (const s of ['SIGTERM', 'SIGINT'] as const) process.on(s, () => stop.abort());
  const rate = Number(values.rate ?? '0');
  if (rate > 0) {
    const gen = liveTraffic(nodes);
    while (!stop.signal.aborted) {
      const batch: NewEvent[] = [];
      for (let k = 0; k < rate; k++) batch.push(gen.next().value as NewEvent);
      await m.replay(batch, rate, stop.signal);
    }
  } else await new Promise((r) => stop.signal.addEventListener('abort', r, { once: true }));
  await m.stop();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
