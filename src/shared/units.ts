// Sizes as people read them, one convention for the console, the report and the CLI: disks, files and
// transfers in decimal units (as disk vendors sell them), memory in binary units (as DIMMs are sized).

/** `n` in the largest unit of `units` (each `step` times the one before) that keeps it ≥ 1. */
function scaled(
  n: number | undefined,
  step: number,
  units: readonly string[],
  wholeIfInteger: boolean,
): string {
  if (n === undefined || !Number.isFinite(n) || n < 0) return '';
  let v = n;
  let i = 0;
  while (v >= step && i < units.length - 1) {
    v /= step;
    i++;
  }
  const whole = v >= 100 || i === 0 || (wholeIfInteger && Number.isInteger(v));
  return `${whole ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** "480 GB", "4.0 TB": decimal units, for disks, files and transfers; '' when unknown. Pure. */
export function humanBytes(n: number | undefined): string {
  return scaled(n, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB'], false);
}

/** "32 GiB": binary units, the way DIMMs are sized (decimal would show 32 GiB as "34.4 GB"); '' when unknown. Pure. */
export function memorySize(n: number | undefined): string {
  return scaled(n, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], true);
}
