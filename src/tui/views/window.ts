// Virtual scrolling: which slice of a long list is on screen. Pure; only that slice is rendered.

/** First visible index for a list of `count` rows, `height` visible, keeping `cursor` near the middle. */
export function windowStart(cursor: number, count: number, height: number): number {
  if (count <= height) return 0;
  return Math.min(count - height, Math.max(0, cursor - Math.floor(height / 2)));
}
