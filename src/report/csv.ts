// The fleet report as CSV (RFC 4180): a header line, then one line per node; the columns are documented
// in docs/report.md and only ever added at the end. Cells that a spreadsheet would run as a formula
// (=, +, -, @ first) are prefixed with ' so a file from the field is safe to open.
import type { FleetReport, FleetRow } from './rows.js';

/** The CSV columns, in order: header name and the row field. */
export const CSV_COLUMNS: [string, keyof FleetRow][] = [
  ['mac', 'mac'],
  ['hostname', 'hostname'],
  ['ipv4', 'ip4'],
  ['ipv6', 'ip6'],
  ['stage', 'stage'],
  ['power', 'power'],
  ['firmware', 'firmware'],
  ['boot_mode', 'bootMode'],
  ['vendor', 'vendor'],
  ['product', 'product'],
  ['serial', 'serial'],
  ['uuid', 'uuid'],
  ['cpu', 'cpu'],
  ['cpu_count', 'cpuCount'],
  ['cores', 'cores'],
  ['memory_bytes', 'memoryBytes'],
  ['dimms', 'dimms'],
  ['disk_count', 'diskCount'],
  ['disk_bytes', 'diskBytes'],
  ['disks', 'disks'],
  ['nic_count', 'nicCount'],
  ['nics', 'nics'],
  ['bmc_ip', 'bmcIp'],
  ['bmc_mac', 'bmcMac'],
  ['tools_failed', 'toolsFailed'],
  ['inventory_sha256', 'inventorySha256'],
  ['inventory_at', 'inventoryAt'],
  ['first_seen', 'firstSeen'],
  ['last_seen', 'lastSeen'],
  // added with report format 2, after every earlier column so that column positions stay put
  ['model', 'model'],
  ['cpu_summary', 'cpuSummary'],
  ['problems', 'problems'],
  ['source', 'source'],
  // added with the health verdicts
  ['health', 'health'],
  ['health_reasons', 'healthReasons'],
];

/** One CSV cell. Pure. */
export function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return csvCell(v.join('; '));
  let s =
    typeof v === 'string'
      ? v
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : JSON.stringify(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(report: FleetReport): string {
  const lines = [CSV_COLUMNS.map(([h]) => h).join(',')];
  for (const r of report.rows) lines.push(CSV_COLUMNS.map(([, k]) => csvCell(r[k])).join(','));
  return lines.join('\r\n') + '\r\n';
}
