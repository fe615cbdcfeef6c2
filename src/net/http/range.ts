// HTTP byte ranges for regions `send` cannot serve (a block device reports size 0 to stat).
// Pure: one header value + the entity length in, a decision out. Like `send`, only a single range is
// honoured; a malformed or multi-range header is ignored (full 200 response), as RFC 9110 allows.

export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

export function decideRange(header: string | undefined, length: number): RangeDecision {
  if (header === undefined) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return { kind: 'full' };
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return { kind: 'full' };
  if (a === '') {
    // suffix range: the last N bytes
    const n = Number(b);
    if (n === 0 || length === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, length - n), end: length - 1 };
  }
  const start = Number(a);
  if (!Number.isSafeInteger(start) || start >= length) return { kind: 'unsatisfiable' };
  const end = b === '' ? length - 1 : Math.min(Number(b), length - 1);
  if (!Number.isSafeInteger(end) || end < start) return { kind: 'full' };
  return { kind: 'partial', start, end };
}

/** True when an If-None-Match header lists this entity tag (or "*"). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => strip(t) === '*' || strip(t) === strip(etag));
}
