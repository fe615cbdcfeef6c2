// The state store: the single source of truth on the master. Events go in (numbered, applied to
// the in-memory registry at once, appended durably to events.jsonl); listeners hear about them once
// they are durable. A periodic snapshot (state.json) keeps restarts fast; per-node event files
// (nodes/<mac>/events.jsonl) are derived copies refreshed with each snapshot.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { EPHEMERAL_EVENTS, type EventType, type Mac, type NewEvent, type ReconEvent } from './events.js';
import { applyEvent, initialState, type NodeRecord, type ReconState } from './reducer.js';
import { EventLog, readLog, type SkippedLine } from './log.js';
import { isOutOfSpace, writeFileDurable } from '../shared/durable.js';
import { DataSpace } from './space.js';

export type Listener = (ev: ReconEvent, state: ReconState) => void;

/**
 * Events about the master process itself: nobody is promised them, and a full stick must not keep the
 * master from starting (and serving boots) or from stopping. When the log cannot take them they still
 * apply; every other event fails its emitter.
 */
const PROCESS_EVENTS: ReadonlySet<EventType> = new Set<EventType>([
  'master.started',
  'master.stopping',
  'service',
]);

export interface StoreOptions {
  snapshotEverySeconds?: number;
  log?: Logger;
  /** how many recent events per node are kept in memory for consoles (node detail) */
  nodeHistory?: number;
  /** bytes kept free on the data partition (config state.reserveBytes); 0: only a failed write is "full" */
  reserveBytes?: number;
}

export interface RecoveryReport {
  fromSnapshotSeq: number;
  replayed: number;
  skipped: SkippedLine[];
  truncatedBytes: number;
  snapshotProblem?: string;
}

interface Snapshot {
  version: 1;
  seq: number;
  savedAt: string;
  state: ReconState;
}

export class StateStore {
  readonly state: ReconState;
  readonly recovery: RecoveryReport;
  /** room on the data partition; its changes arrive as `storage` events */
  readonly space: DataSpace;
  private readonly listeners = new Set<Listener>();
  private readonly nodeEvents = new Map<Mac, ReconEvent[]>();
  private readonly dirtyNodes = new Set<Mac>();
  private snapshotTimer: NodeJS.Timeout | undefined;
  private lastSnapshotSeq: number;
  private closed = false;
  private readonly nodeHistory: number;

  private constructor(
    readonly dataDir: string,
    private readonly log: EventLog,
    state: ReconState,
    recovery: RecoveryReport,
    private readonly logger: Logger | undefined,
    opts: StoreOptions,
  ) {
    this.state = state;
    this.recovery = recovery;
    this.lastSnapshotSeq = recovery.fromSnapshotSeq;
    this.nodeHistory = opts.nodeHistory ?? 100;
    this.space = new DataSpace(dataDir, opts.reserveBytes ?? 0, (status) => {
      this.emit({ type: 'storage', data: status }).catch((e: unknown) =>
        this.logger?.error({ err: e }, 'storage status not published'),
      );
      const figures = { freeBytes: status.freeBytes, totalBytes: status.totalBytes, detail: status.detail };
      if (status.full) this.logger?.warn(figures, 'data partition full');
      else this.logger?.info(figures, 'data partition has room');
    });
  }

  static async open(dataDir: string, opts: StoreOptions = {}): Promise<StateStore> {
    await mkdir(join(dataDir, 'nodes'), { recursive: true });
    const snapPath = join(dataDir, 'state.json');
    let state = initialState();
    let snapshotProblem: string | undefined;
    try {
      const snap = JSON.parse(await readFile(snapPath, 'utf8')) as Snapshot;
      if (snap.version !== 1 || typeof snap.seq !== 'number' || typeof snap.state !== 'object')
        throw new Error('unknown snapshot format');
      state = snap.state;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        snapshotProblem = `state.json unreadable (${(e as Error).message}); replaying the whole event log`;
        state = initialState();
      }
    }
    const fromSeq = state.seq;
    const rec = await readLog(join(dataDir, 'events.jsonl'), fromSeq);
    const store = new StateStore(
      dataDir,
      await EventLog.open(join(dataDir, 'events.jsonl')),
      state,
      {
        fromSnapshotSeq: fromSeq,
        replayed: rec.events.length,
        skipped: rec.skipped,
        truncatedBytes: rec.truncatedBytes,
        snapshotProblem,
      },
      opts.log,
      opts,
    );
    for (const ev of rec.events) store.applyAndRemember(ev);
    if (snapshotProblem) opts.log?.warn({ problem: snapshotProblem }, 'snapshot ignored');
    for (const s of rec.skipped) opts.log?.warn({ line: s.line, reason: s.reason }, 'event log line skipped');
    await store.space.check();
    const every = opts.snapshotEverySeconds ?? 30;
    store.snapshotTimer = setInterval(() => {
      store.snapshot().catch((e: unknown) => store.logger?.error({ err: e }, 'snapshot failed'));
      // also clears "full" once the operator made room
      store.space.check().catch((e: unknown) => store.logger?.error({ err: e }, 'statfs failed'));
    }, every * 1000);
    store.snapshotTimer.unref();
    return store;
  }

  private applyAndRemember(ev: ReconEvent): void {
    const node = applyEvent(this.state, ev);
    if (node && !EPHEMERAL_EVENTS.has(ev.type)) {
      let list = this.nodeEvents.get(node.mac);
      if (!list) this.nodeEvents.set(node.mac, (list = []));
      list.push(ev);
      if (list.length > this.nodeHistory) list.splice(0, list.length - this.nodeHistory);
      this.dirtyNodes.add(node.mac);
    }
  }

  /**
   * Numbers the event, applies it to the state at once and resolves when it is durable.
   * Ephemeral events (transfer progress) are applied and broadcast but not written.
   */
  async emit(input: NewEvent): Promise<ReconEvent> {
    if (this.closed) throw new Error('state store is closed');
    const ev = {
      seq: this.state.seq + 1,
      at: input.at ?? new Date().toISOString(),
      type: input.type,
      data: input.data,
    } as ReconEvent;
    this.applyAndRemember(ev);
    if (!EPHEMERAL_EVENTS.has(ev.type))
      await this.log.append(ev).catch(async (e: unknown) => {
        await this.space.noteFailure(e, 'event log');
        if (!(isOutOfSpace(e) && PROCESS_EVENTS.has(ev.type))) throw e;
        this.logger?.warn({ type: ev.type, err: e }, 'event not written: data partition full');
      });
    for (const l of this.listeners) {
      try {
        l(ev, this.state);
      } catch (e) {
        this.logger?.error({ err: e, type: ev.type }, 'state listener failed');
      }
    }
    return ev;
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  node(mac: Mac): NodeRecord | undefined {
    return this.state.nodes[mac];
  }

  /** The node's recent events (in memory; the full history is in nodes/<mac>/events.jsonl). */
  eventsFor(mac: Mac): ReconEvent[] {
    return this.nodeEvents.get(mac) ?? [];
  }

  async flush(): Promise<void> {
    await this.log.flush();
  }

  /** Writes state.json and the per-node event files of nodes that changed. */
  async snapshot(): Promise<void> {
    await this.log.flush();
    this.forgetDroppedNodes();
    if (this.state.seq === this.lastSnapshotSeq && this.dirtyNodes.size === 0) return;
    const seq = this.state.seq;
    const snap: Snapshot = { version: 1, seq, savedAt: new Date().toISOString(), state: this.state };
    try {
      await writeFileDurable(join(this.dataDir, 'state.json'), JSON.stringify(snap));
      this.lastSnapshotSeq = seq;
      for (const mac of [...this.dirtyNodes]) {
        this.dirtyNodes.delete(mac);
        // a full disk leaves the node dirty for the next snapshot
        await this.writeNodeEvents(mac).catch((e: unknown) => {
          this.dirtyNodes.add(mac);
          throw e;
        });
      }
    } catch (e) {
      await this.space.noteFailure(e, 'snapshot');
      throw e;
    }
  }

  /** Drops the in-memory history of nodes the registry no longer holds (it is bounded). */
  private forgetDroppedNodes(): void {
    for (const mac of this.nodeEvents.keys())
      if (!this.state.nodes[mac]) {
        this.nodeEvents.delete(mac);
        this.dirtyNodes.delete(mac);
      }
  }

  /**
   * nodes/<mac>/events.jsonl: the node's own history, merged with what is already on disk. Written
   * only once the node ran recon (or stored something): before that its history is in events.jsonl,
   * and a flood of boot clients makes no directories.
   */
  private async writeNodeEvents(mac: Mac): Promise<void> {
    const node = this.state.nodes[mac];
    if (!node || (node.bootedAt === undefined && !node.inventory && !node.raw)) return;
    const path = join(this.dataDir, 'nodes', mac, 'events.jsonl');
    const mem = this.nodeEvents.get(mac) ?? [];
    let onDisk: ReconEvent[] = [];
    try {
      onDisk = (await readFile(path, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ReconEvent);
    } catch {
      onDisk = [];
    }
    const lastSeq = onDisk.at(-1)?.seq ?? 0;
    const merged = [...onDisk, ...mem.filter((e) => e.seq > lastSeq)];
    await writeFileDurable(path, merged.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.snapshotTimer) clearInterval(this.snapshotTimer);
    // the log is the truth: a snapshot that cannot be written (a full disk) only slows the next start
    await this.snapshot().catch((e: unknown) => this.logger?.error({ err: e }, 'last snapshot failed'));
    this.closed = true;
    await this.log.close();
  }
}
