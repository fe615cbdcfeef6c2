// Drives a real terminal program like a person: a private tmux server (its own socket name, no user
// config), detached sessions of a fixed size, keys sent and the screen read back with capture-pane.
import { execFileSync } from 'node:child_process';

/** Polls `get` until it returns a value (not undefined/false); throws with `what()` after `ms`. */
export async function until<T>(what: () => string, get: () => T | undefined | false, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface TmuxStart {
  columns?: number;
  rows?: number;
  cwd?: string;
  /** keep the pane (and its last screen) after the program exits */
  remainOnExit?: boolean;
}

export class Tmux {
  private readonly server = `recon-tui-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.server, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }
  start(name: string, argv: string[], env: Record<string, string>, o: TmuxStart = {}): void {
    // through env(1): tmux sets TERM itself for the pane
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const size = ['-x', String(o.columns ?? 80), '-y', String(o.rows ?? 24)];
    const cwd = o.cwd ? ['-c', o.cwd] : [];
    const keep = o.remainOnExit ? [';', 'set-option', '-t', name, 'remain-on-exit', 'on'] : [];
    this.tmux('new-session', '-d', '-s', name, ...size, ...cwd, 'env', ...envArgs, ...argv, ...keep);
  }
  /** The visible screen; `joined`: lines the terminal wrapped come back as one; `history`: scrolled-off lines too. */
  capture(name: string, o: { joined?: boolean; history?: boolean } = {}): string {
    const flags = [...(o.joined ? ['-J'] : []), ...(o.history ? ['-S', '-'] : [])];
    return this.tmux('capture-pane', '-p', ...flags, '-t', name);
  }
  keys(name: string, ...keys: string[]): void {
    this.tmux('send-keys', '-t', name, ...keys);
  }
  async waitFor(name: string, re: RegExp, ms = 8000): Promise<string> {
    let last = '';
    return until(
      () => `${re} in:\n${last}`,
      () => {
        last = this.capture(name);
        return re.test(last) ? last : undefined;
      },
      ms,
    );
  }
  alive(name: string): boolean {
    try {
      this.tmux('has-session', '-t', name);
      return true;
    } catch {
      return false;
    }
  }
  /** The pid of the program in the pane, whether it has exited (with remain-on-exit) and its exit status. */
  pane(name: string): { pid: number; dead: boolean; status?: number } {
    const f = '#{pane_pid} #{pane_dead} #{pane_dead_status}';
    const [pid, dead, status] = this.tmux('display-message', '-p', '-t', name, f).trim().split(' ');
    return { pid: Number(pid), dead: dead === '1', status: status ? Number(status) : undefined };
  }
  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      /* already gone */
    }
  }
}
