// The control socket on the master: streams the state to consoles and runs their actions.
// A slow or vanished console never blocks the master: its socket is dropped when it falls behind.
// A view-only server (the read-only consoles' socket) streams the same state and refuses every action,
// whatever a client sends: read-only is the master's rule, not the console's promise.
import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { chmod, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { StateStore } from '../../model/store.js';
import {
  LineSplitter,
  MAX_CLIENT_LINE,
  parseClientMessage,
  type Action,
  type ActionName,
  type ActionOutcome,
  type ServerMessage,
} from './protocol.js';

export type ActionHandler = (
  action: Action,
  ctx: { by: string; progress: (message: string) => void },
) => Promise<ActionOutcome>;

/** A console that has this much unsent output is too slow and is disconnected. */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;

export class ControlServer {
  private server: Server | undefined;
  private readonly clients = new Set<Socket>();
  private readonly subscribers = new Set<Socket>();
  private readonly handlers = new Map<ActionName, ActionHandler>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly path: string,
    private readonly store: StateStore,
    private readonly version: string,
    private readonly log: Logger,
    private readonly access: 'full' | 'view-only' = 'full',
  ) {}

  registerAction(name: ActionName, handler: ActionHandler): void {
    if (this.access === 'view-only')
      throw new Error(`${this.path} is view-only: no action can be registered`);
    this.handlers.set(name, handler);
  }

  async start(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await removeStaleSocket(this.path);
    const server = createServer((sock) => this.onClient(sock));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.log.error({ err: e }, 'control socket error'));
    await chmod(this.path, 0o660);
    this.server = server;
    this.unsubscribe = this.store.subscribe((event) => {
      const line = JSON.stringify({ kind: 'event', event } satisfies ServerMessage) + '\n';
      for (const s of this.subscribers) this.write(s, line);
    });
  }

  private write(sock: Socket, line: string): void {
    if (sock.destroyed) return;
    if (sock.writableLength > MAX_BACKLOG_BYTES) {
      this.log.warn('console too slow: disconnected');
      sock.destroy();
      return;
    }
    sock.write(line);
  }

  private send(sock: Socket, msg: ServerMessage): void {
    this.write(sock, JSON.stringify(msg) + '\n');
  }

  private onClient(sock: Socket): void {
    this.clients.add(sock);
    sock.setEncoding('utf8');
    const splitter = new LineSplitter(MAX_CLIENT_LINE);
    const drop = () => {
      this.clients.delete(sock);
      this.subscribers.delete(sock);
    };
    sock.on('close', drop);
    sock.on('error', drop);
    sock.on('data', (chunk: string) => {
      let lines: string[];
      try {
        lines = splitter.push(chunk);
      } catch (e) {
        this.log.warn({ err: e }, 'control client sent an oversized line: disconnected');
        sock.destroy();
        return;
      }
      for (const line of lines) this.onLine(sock, line);
    });
  }

  private onLine(sock: Socket, line: string): void {
    const msg = parseClientMessage(line);
    if ('error' in msg) {
      this.send(sock, { kind: 'reply', id: -1, ok: false, message: msg.error });
      return;
    }
    switch (msg.op) {
      case 'subscribe':
        this.send(sock, { kind: 'snapshot', state: this.store.state, version: this.version });
        this.subscribers.add(sock);
        return;
      case 'get':
        this.send(sock, {
          kind: 'reply',
          id: msg.id,
          ok: true,
          data: { state: this.store.state, version: this.version },
        });
        return;
      case 'node-events':
        this.send(sock, { kind: 'reply', id: msg.id, ok: true, data: this.store.eventsFor(msg.mac) });
        return;
      case 'action':
        if (this.access === 'view-only') {
          this.send(sock, {
            kind: 'reply',
            id: msg.id,
            ok: false,
            message: `${msg.action.name} refused: this control socket is view-only (${this.path})`,
          });
          return;
        }
        void this.runAction(sock, msg.id, msg.action, msg.by ?? 'console');
        return;
    }
  }

  private async runAction(sock: Socket, id: number, action: Action, by: string): Promise<void> {
    const handler = this.handlers.get(action.name);
    let outcome: ActionOutcome;
    if (!handler) {
      outcome = { ok: false, message: `${action.name}: not available yet` };
    } else {
      try {
        outcome = await handler(action, {
          by,
          progress: (message) => this.send(sock, { kind: 'progress', id, message }),
        });
      } catch (e) {
        outcome = { ok: false, message: `${action.name} failed: ${(e as Error).message}` };
      }
    }
    this.send(sock, { kind: 'reply', id, ok: outcome.ok, message: outcome.message, data: outcome.data });
    try {
      await this.store.emit({
        type: 'action.result',
        data: { action: action.name, ok: outcome.ok, message: outcome.message, by },
      });
    } catch {
      /* the store is closing (power-down): the reply already went out */
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    for (const s of this.clients) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
    await unlink(this.path).catch(() => undefined);
  }
}

/** A socket file left by a crashed master is removed; one that a live master answers on is not. */
async function removeStaleSocket(path: string): Promise<void> {
  const alive = await new Promise<boolean>((resolve) => {
    const c = createConnection(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another recon master is already serving ${path}`);
  await unlink(path).catch(() => undefined);
}
