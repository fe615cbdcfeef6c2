// Small pure formatters for the console: sizes, durations, clock times and fixed-width cells.
// Everything the screens print goes through here, so ASCII mode and column widths stay consistent.

/** The characters the screens draw with; ASCII mode never emits anything outside 0x20-0x7e. */
export interface Glyphs {
  rule: string;
  ellipsis: string;
  up: string;
  down: string;
  barFull: string;
  barEmpty: string;
  dash: string;
  /** "2×16" cores, and the separator of a list of counts */
  times: string;
  dot: string;
}

export const UNICODE_GLYPHS: Glyphs = {
  rule: '─',
  ellipsis: '…',
  up: '▲',
  down: '▼',
  barFull: '█',
  barEmpty: '·',
  dash: '—',
  times: '×',
  dot: '·',
};
export const ASCII_GLYPHS: Glyphs = {
  rule: '-',
  ellipsis: '~',
  up: '^',
  down: 'v',
  barFull: '#',
  barEmpty: '.',
  dash: '-',
  times: 'x',
  dot: '|',
};

/** Elapsed time, coarse on purpose (a long row does not change every second): 42s, 12m, 3h05, 2d04. */
export function fmtElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}`;
}

/** Local wall-clock time HH:MM:SS. */
export function fmtClock(d: Date): string {
  const p = (x: number) => String(x).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Clock time of an ISO timestamp, or "?" when it does not parse. */
export function fmtTimeOf(iso: string | undefined): string {
  if (!iso) return '?';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '?' : fmtClock(new Date(t));
}

/** Replaces control characters (a hostile host name must not move the cursor) and, in ASCII mode, anything non-ASCII. */
export function clean(s: string, ascii: boolean): string {
  // eslint-disable-next-line no-control-regex
  const noCtl = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return ascii ? noCtl.replace(/[^\x20-\x7e]/g, '?') : noCtl;
}

/** Exactly `width` characters: truncated with the ellipsis glyph, or padded with spaces. */
export function fit(s: string, width: number, g: Glyphs, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const chars = [...s];
  if (chars.length > width) return width === 1 ? g.ellipsis : chars.slice(0, width - 1).join('') + g.ellipsis;
  return align === 'left' ? s.padEnd(width) : s.padStart(width);
}

/** A text progress bar `width` characters wide. */
export function bar(fraction: number, width: number, g: Glyphs): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return g.barFull.repeat(full) + g.barEmpty.repeat(width - full);
}

/** Numeric order of dotted IPv4 (and a stable fallback for anything else), for sorting. */
export function ipSortKey(ip: string | undefined): number {
  if (!ip) return Number.MAX_SAFE_INTEGER;
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return Number.MAX_SAFE_INTEGER - 1;
  return ((Number(m[1]) * 256 + Number(m[2])) * 256 + Number(m[3])) * 256 + Number(m[4]);
}

/** Like fit, but keeps the end of the text (file paths: the name matters more than the directory). */
export function fitTail(s: string, width: number, g: Glyphs): string {
  const chars = [...s];
  if (width <= 0) return '';
  if (chars.length <= width) return s.padEnd(width);
  return width === 1 ? g.ellipsis : g.ellipsis + chars.slice(chars.length - width + 1).join('');
}
