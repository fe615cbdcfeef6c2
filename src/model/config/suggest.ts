// Friendlier config errors: the nearest known key for a misspelt one ("did you mean `interface`?") and
// the line:column of a JSON syntax error. Pure: table-tested.
import { z } from 'zod';

/** Edit distance with adjacent transpositions (optimal string alignment), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const [s, t] = [a.toLowerCase(), b.toLowerCase()];
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++)
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[s.length]![t.length]!;
}

/** The candidate closest to `word`, when it is close enough to be a typo of it. */
export function nearestKey(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  let best: { key: string; distance: number } | undefined;
  for (const key of candidates) {
    const distance = editDistance(word, key);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { key, distance };
  }
  return best?.key;
}

/** Looks through the wrappers (default, optional, pipe, ...) to the schema that holds the shape. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 16; i++) {
    if (
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault ||
      s instanceof z.ZodOptional ||
      s instanceof z.ZodNullable
    )
      s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else break;
  }
  return s;
}

/** The keys an object schema at `path` (object keys and array indexes) accepts; empty when there is none. */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s = unwrap(schema);
  for (const step of path) {
    if (s instanceof z.ZodObject)
      s = unwrap((s.shape as Record<string, z.ZodType>)[String(step)] ?? z.never());
    else if (s instanceof z.ZodArray) s = unwrap(s.element as z.ZodType);
    else if (s instanceof z.ZodRecord) s = unwrap(s.valueType as z.ZodType);
    else return [];
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape as object) : [];
}

/** "line 3, column 14" for a JSON.parse error on `text` (V8 reports a position; the end when it does not). */
export function jsonErrorPlace(text: string, error: Error): string {
  const m = /at position (\d+)/.exec(error.message);
  const position = m ? Number(m[1]) : text.length;
  const before = text.slice(0, position).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}
