// The fleet report as one self-contained HTML page: inline CSS, no scripts, no fonts or images to
// fetch, so it reads the same offline, from the stick, years later. Every value is escaped.
import { humanBytes, memorySize, type FleetReport, type FleetRow } from './rows.js';

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const e = (v: unknown): string =>
  v === undefined || v === null
    ? ''
    : escapeHtml(typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v));

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:20px;margin:0 0 4px}
.meta{color:#57606a;margin:0 0 16px}
.totals{display:flex;gap:12px;flex-wrap:wrap;margin:0 0 16px;padding:0;list-style:none}
.totals li{border:1px solid #d0d7de;border-radius:6px;padding:6px 12px;background:#f6f8fa}
.totals b{font-size:18px;margin-right:6px}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eaeef2;position:sticky;top:0}
tbody tr:nth-child(even){background:#f6f8fa}
td.num{text-align:right;white-space:nowrap}
td.mono,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.small{font-size:12px;color:#57606a}
.off{color:#1a7f37;font-weight:600}.on{color:#9a6700;font-weight:600}.unknown{color:#cf222e;font-weight:600}
.none{color:#8c959f}
@media print{body{margin:8mm}th{position:static}}
`;

const HEADERS = [
  '#',
  'MAC',
  'Host / IP',
  'Stage',
  'Power',
  'System',
  'Serial',
  'CPU',
  'Memory',
  'Disks',
  'NICs',
  'BMC',
  'Notes',
];

function powerCell(r: FleetRow): string {
  const cls = r.power === 'off' ? 'off' : r.power === 'unknown' ? 'unknown' : 'on';
  return `<span class="${cls}">${e(r.power)}</span>${r.powerDetail ? `<div class="small">${e(r.powerDetail)}</div>` : ''}`;
}

function row(r: FleetRow, i: number): string {
  const none = '<span class="none">—</span>';
  const or = (s: string) => (s ? s : none);
  const system = [r.vendor, r.product].filter(Boolean).join(' ');
  const cpu = r.cpu
    ? `${e(r.cpu)}${r.cpuCount ? `<div class="small">${e(r.cpuCount)} × ${e(r.cores ?? '?')} cores</div>` : ''}`
    : '';
  const mem = r.memoryBytes
    ? `${e(memorySize(r.memoryBytes))}${r.dimms ? `<div class="small">${e(r.dimms)} DIMMs</div>` : ''}`
    : '';
  const disks = r.diskCount
    ? `${e(r.diskCount)} · ${e(humanBytes(r.diskBytes))}<div class="small">${e(r.disks)}</div>`
    : '';
  const nics = r.nicCount ? `${e(r.nicCount)}<div class="small mono">${e(r.nics)}</div>` : '';
  const bmc =
    r.bmcIp || r.bmcMac
      ? `<span class="mono">${e(r.bmcIp)}</span><div class="small mono">${e(r.bmcMac)}</div>`
      : '';
  const notes = [r.inventory ? '' : 'no inventory', r.toolsFailed ? `tools failed: ${r.toolsFailed}` : '']
    .filter(Boolean)
    .join('; ');
  const cells = [
    `<td class="num">${i + 1}</td>`,
    `<td class="mono">${e(r.mac)}</td>`,
    `<td>${or(e(r.hostname))}<div class="small mono">${e(r.ip4)}${r.ip6 ? `<br>${e(r.ip6)}` : ''}</div></td>`,
    `<td>${e(r.stage)}${r.firmware ? `<div class="small">${e(r.firmware)}${r.bootMode ? ` / ${e(r.bootMode)}` : ''}</div>` : ''}</td>`,
    `<td>${powerCell(r)}</td>`,
    `<td>${or(e(system))}${r.uuid ? `<div class="small mono">${e(r.uuid)}</div>` : ''}</td>`,
    `<td class="mono">${or(e(r.serial))}</td>`,
    `<td>${or(cpu)}</td>`,
    `<td class="num">${or(mem)}</td>`,
    `<td>${or(disks)}</td>`,
    `<td>${or(nics)}</td>`,
    `<td>${or(bmc)}</td>`,
    `<td class="small">${e(notes)}</td>`,
  ];
  return `<tr>${cells.join('')}</tr>`;
}

export function renderHtml(report: FleetReport): string {
  const t = report.totals;
  const stages = Object.entries(t.byStage)
    .map(([s, n]) => `${e(s)} ${e(n)}`)
    .join(' · ');
  const m = report.master;
  const meta = [
    `generated ${e(report.generatedAt)}`,
    report.version ? `recon ${e(report.version)}` : '',
    m
      ? `master ${e(m.names.join(', '))} ${e(m.ipv4)}${m.ipv6 ? ` / ${e(m.ipv6)}` : ''}, data ${e(m.dataDir)}`
      : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const body = report.rows.length
    ? report.rows.map(row).join('\n')
    : `<tr><td colspan="${HEADERS.length}" class="none">no nodes seen</td></tr>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(report.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${e(report.title)}</h1>
<p class="meta">${meta}</p>
<ul class="totals">
<li><b>${e(t.nodes)}</b>nodes</li>
<li><b>${e(t.inventoried)}</b>inventoried</li>
<li><b>${e(t.poweredOff)}</b>powered off</li>
<li class="small">${stages || 'no stages yet'}</li>
</ul>
<table id="fleet">
<thead><tr>${HEADERS.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody>
</table>
</body>
</html>
`;
}
