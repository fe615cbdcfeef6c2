// The console's link to the master: connects to the control socket, keeps a copy of the state
// (the snapshot, then every event folded in with the master's own reducer), keeps a bounded log of
// recent events, and reconnects by itself when the master goes away. No rendering here: the Ink
// screen and the headless printer both sit on top of this.
import { EventEmitter } from 'node:events';
import { ControlClient } from '../master/control/client.js';
import type { Action, ActionOutcome } from '../master/control/protocol.js';
import { EPHEMERAL_EVENTS, type Mac, type ReconEvent } from '../model/events.js';
import { applyEvent, initialState, type ReconState } from '../model/reducer.js';
import { describeEvent, type EventLine } from './describe-event.js';

export type LinkState =
  | { status: 'connecting' }
  | { status: 'live'; version: string; since: number }
  | { status: 'retrying'; attempt: number; error: string; since: number };

/** What the operator can do while no master answers (the console keeps retrying meanwhile). */
export const NO_MASTER_HINT =
  "start one with 'recon master' (or the demo: 'recon lab'), or point at it with --socket PATH / --config FILE";

export interface MasterFeedEvents {
  /** a whole new state (first connect or reconnect) */
  snapshot: [state: ReconState];
  /** one event, already applied; `line` is absent for ephemeral events (transfer progress) */
  event: [event: ReconEvent, line: EventLine | undefined];
  link: [link: LinkState];
}

export interface MasterFeedOptions {
  /** first retry delay; doubles up to maxRetryMs */
  retryMs?: number;
  maxRetryMs?: number;
  /** recent event lines kept for the Log screen */
  logSize?: number;
  connectTimeoutMs?: number;
}

export class MasterFeed extends EventEmitter<MasterFeedEvents> {
  state: ReconState = initialState();
  link: LinkState = { status: 'connecting' };
  /** recent event lines, oldest first, at most logSize */
  readonly log: EventLine[] = [];
  /** counts every change of state, log or link: `state` and `log` change in place, this says when */
  version = 0;
  private client: ControlClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private attempt = 0;
  /** events up to this seq are already in the snapshot */
  private snapshotSeq = 0;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly logSize: number;
  private readonly connectTimeoutMs: number;

  constructor(
    readonly socketPath: string,
    opts: MasterFeedOptions = {},
  ) {
    super();
    this.retryMs = opts.retryMs ?? 500;
    this.maxRetryMs = opts.maxRetryMs ?? 5000;
    this.logSize = opts.logSize ?? 1000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 2000;
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.client?.close();
    this.client = undefined;
  }

  private setLink(link: LinkState): void {
    this.link = link;
    this.version++;
    this.emit('link', link);
  }

  private async connect(): Promise<void> {
    this.timer = undefined;
    let client: ControlClient;
    try {
      client = await ControlClient.connect(this.socketPath, this.connectTimeoutMs);
    } catch (e) {
      this.retry((e as Error).message);
      return;
    }
    if (this.stopped) {
      client.close();
      return;
    }
    this.client = client;
    client.on('snapshot', (state, version) => {
      this.attempt = 0;
      this.state = state;
      this.snapshotSeq = state.seq;
      this.version++;
      this.setLink({ status: 'live', version, since: Date.now() });
      this.emit('snapshot', state);
    });
    client.on('event', (ev) => this.onEvent(ev));
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.retry('connection closed by the master');
    });
    client.subscribe();
  }

  private retry(error: string): void {
    if (this.stopped) return;
    this.attempt++;
    this.setLink({ status: 'retrying', attempt: this.attempt, error, since: Date.now() });
    const delay = Math.min(this.maxRetryMs, this.retryMs * 2 ** Math.min(this.attempt - 1, 10));
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  private onEvent(ev: ReconEvent): void {
    // the snapshot already contains everything up to its seq. Later events are not compared with
    // each other: ephemeral ones (progress) are broadcast before older durable ones reach the disk.
    if (ev.seq <= this.snapshotSeq) return;
    applyEvent(this.state, ev);
    this.version++;
    let line: EventLine | undefined;
    if (!EPHEMERAL_EVENTS.has(ev.type)) {
      line = describeEvent(ev, this.state);
      this.log.push(line);
      if (this.log.length > this.logSize) this.log.splice(0, this.log.length - this.logSize);
    }
    this.emit('event', ev, line);
  }

  /** Sends an action to the master; never throws. */
  async action(
    action: Action,
    opts: { by?: string; onProgress?: (m: string) => void } = {},
  ): Promise<ActionOutcome> {
    const c = this.client;
    if (!c || this.link.status !== 'live')
      return { ok: false, message: 'master not reachable: nothing was sent' };
    return c.action(action, opts);
  }

  /** The node's own recent events, oldest first; empty when the master cannot be asked. */
  async nodeEvents(mac: Mac): Promise<ReconEvent[]> {
    const c = this.client;
    if (!c || this.link.status !== 'live') return [];
    return c.nodeEvents(mac);
  }
}
