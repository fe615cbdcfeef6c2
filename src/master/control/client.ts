// The consoles' side of the control socket: connect, follow the state, send actions.
import { createConnection, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import type { ReconEvent } from '../../model/events.js';
import type { ReconState } from '../../model/reducer.js';
import { LineSplitter, type Action, type ActionOutcome, type ServerMessage } from './protocol.js';

const MAX_SERVER_LINE = 256 * 1024 * 1024;

export interface ControlClientEvents {
  snapshot: [state: ReconState, version: string];
  event: [event: ReconEvent];
  close: [];
}

export class ControlClient extends EventEmitter<ControlClientEvents> {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (m: Extract<ServerMessage, { kind: 'reply' }>) => void; onProgress?: (m: string) => void }
  >();

  private constructor(private readonly sock: Socket) {
    super();
    sock.setEncoding('utf8');
    const splitter = new LineSplitter(MAX_SERVER_LINE);
    sock.on('data', (chunk: string) => {
      for (const line of splitter.push(chunk)) this.onLine(line);
    });
    sock.on('close', () => {
      for (const p of this.pending.values())
        p.resolve({ kind: 'reply', id: -1, ok: false, message: 'master went away' });
      this.pending.clear();
      this.emit('close');
    });
    sock.on('error', () => undefined);
  }

  static connect(path: string, timeoutMs = 3000): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const sock = createConnection(path);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`no answer on ${path}`));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        resolve(new ControlClient(sock));
      });
      sock.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Error(`cannot reach the master at ${path}: ${e.code ?? e.message}`));
      });
    });
  }

  private onLine(line: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(line) as ServerMessage;
    } catch {
      return;
    }
    if (msg.kind === 'snapshot') this.emit('snapshot', msg.state, msg.version);
    else if (msg.kind === 'event') this.emit('event', msg.event);
    else if (msg.kind === 'progress') this.pending.get(msg.id)?.onProgress?.(msg.message);
    else if (msg.kind === 'reply') {
      const p = this.pending.get(msg.id);
      if (p) {
        this.pending.delete(msg.id);
        p.resolve(msg);
      }
    }
  }

  private request(
    body: Record<string, unknown>,
    onProgress?: (m: string) => void,
  ): Promise<Extract<ServerMessage, { kind: 'reply' }>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, onProgress });
      this.sock.write(JSON.stringify({ ...body, id }) + '\n');
    });
  }

  subscribe(): void {
    this.sock.write(JSON.stringify({ op: 'subscribe' }) + '\n');
  }

  async getState(): Promise<{ state: ReconState; version: string }> {
    const r = await this.request({ op: 'get' });
    if (!r.ok) throw new Error(r.message ?? 'get failed');
    return r.data as { state: ReconState; version: string };
  }

  async nodeEvents(mac: string): Promise<ReconEvent[]> {
    const r = await this.request({ op: 'node-events', mac });
    return r.ok ? (r.data as ReconEvent[]) : [];
  }

  async action(
    action: Action,
    opts: { by?: string; onProgress?: (m: string) => void } = {},
  ): Promise<ActionOutcome> {
    const r = await this.request({ op: 'action', action, by: opts.by }, opts.onProgress);
    return { ok: r.ok, message: r.message ?? '', data: r.data };
  }

  close(): void {
    this.sock.end();
    this.sock.destroy();
  }
}
