// The fleet report as one self-contained HTML page: inline CSS and a small inline script, no fonts,
// images or anything else to fetch, so it reads the same offline, from the stick, years later, from
// file://. With scripts off it is still the whole report: every row, every detail (as <details>), in
// the report's order (problems first). With scripts on, the columns sort, a filter and a "problems
// only" switch narrow the rows, and a click on a row opens its detail. Every value is escaped.
// The node list is a grid of rows rather than a <table>: every row has the same fixed column widths,
// so the browser lays out only the rows on screen (content-visibility), and a thousand nodes open and
// sort as fast as twenty.
import { STAGE_ORDER } from '../model/events.js';
import { humanBytes, memorySize } from '../shared/units.js';
import type { DetailSection } from '../shared/inventory/sections.js';
import type { Mac } from '../model/events.js';
import type { FleetReport, FleetRow } from './rows.js';

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
h2{font-size:15px;margin:20px 0 6px}
.meta{color:#57606a;margin:0 0 16px}
.totals{display:flex;gap:10px;flex-wrap:wrap;margin:0 0 12px;padding:0;list-style:none}
.totals li{border:1px solid #d0d7de;border-radius:6px;padding:6px 12px;background:#f6f8fa}
.totals b{font-size:18px;margin-right:6px}
.totals li.bad{border-color:#cf222e;background:#fff5f5}
.side{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}
.side table{width:auto}
table{border-collapse:collapse}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eaeef2}
td.num,.num{text-align:right;white-space:nowrap}
.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.small{font-size:12px;color:#57606a}
.off{color:#1a7f37;font-weight:600}.on{color:#9a6700;font-weight:600}.unknown{color:#cf222e;font-weight:600}
.none{color:#8c959f}
.v-ok{color:#1a7f37;font-weight:600}.v-warn{color:#9a6700;font-weight:600}.v-fail{color:#cf222e;font-weight:600}
.bad{color:#cf222e}
#fleet{border:1px solid #d0d7de;font-size:13px}
#fleet .row{display:grid;grid-template-columns:36px 140px 96px 90px 120px minmax(120px,1fr) 120px 84px 84px 60px 48px 104px 84px 64px 100px}
#fleet .row>*{padding:4px 6px;border-right:1px solid #d0d7de;overflow-wrap:anywhere;min-width:0}
#fleet .row>:last-child{border-right:none}
#fleet .head{background:#eaeef2;font-weight:600;position:sticky;top:0;z-index:1;border-bottom:1px solid #d0d7de}
#fleet .head>*{white-space:nowrap;overflow:hidden}
#fleet .head [data-sort]{cursor:pointer;user-select:none}
#fleet .head [aria-sort=ascending]::after{content:" ▲"}#fleet .head [aria-sort=descending]::after{content:" ▼"}
#fleet .node{border-bottom:1px solid #d0d7de;content-visibility:auto;contain-intrinsic-size:auto 70px}
#fleet .node>.row:hover{background:#f0f6ff;cursor:pointer}
#fleet .node.problem>.row{background:#fff8f0}
#fleet .node:nth-child(even)>.row{background-color:#fbfcfd}
#fleet .node.problem:nth-child(even)>.row{background:#fff8f0}
#fleet details{padding:0 8px}
#fleet summary{font-size:12px;color:#57606a;cursor:pointer;padding:2px 0}
.sections{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:4px 24px;padding:4px 0 10px}
.sections h3{font-size:13px;margin:6px 0 2px}
.sections ul{margin:0;padding-left:16px;font-size:12px}
.sections li.warn{color:#cf222e}
#controls{display:flex;gap:16px;align-items:center;margin:12px 0 8px}
#controls[hidden]{display:none}
#controls input[type=search]{font:inherit;padding:4px 8px;width:24em}
@media print{
body{margin:8mm;font-size:10px}
#controls{display:none}
#fleet .head{position:static}
#fleet .head [aria-sort]::after{content:""}
#fleet .node{content-visibility:visible;break-inside:avoid}
#fleet details:not([open]){display:none}
a{color:inherit;text-decoration:none}
.sections{grid-template-columns:1fr 1fr}
}
`;

// Sorting moves whole node elements (a node's row and its detail); the values to sort on are in data-
// attributes, so no cell text is parsed. Unknown values sort last either way.
const SCRIPT = `
(function () {
  var list = document.getElementById('nodes'), head = document.querySelector('#fleet .head');
  var q = document.getElementById('q'), p = document.getElementById('p'), shown = document.getElementById('shown');
  var nodes = [].slice.call(list.children), key = 'i', dir = 1;
  document.getElementById('controls').hidden = false;
  function filter() {
    var words = q.value.toLowerCase().split(/\\s+/).filter(Boolean), only = p.checked, n = 0;
    nodes.forEach(function (b) {
      var ok = (!only || b.dataset.problems !== '0') && words.every(function (w) { return b.dataset.search.indexOf(w) >= 0; });
      if (b.hidden === ok) b.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = 'showing ' + n + ' of ' + nodes.length;
  }
  function sort(k, num) {
    dir = key === k ? -dir : 1;
    key = k;
    var keyed = nodes.map(function (b) {
      var v = b.dataset[k] || '';
      return { b: b, unknown: v === '', v: num ? Number(v) : v, i: Number(b.dataset.i) };
    });
    keyed.sort(function (x, y) {
      return (x.unknown - y.unknown) || dir * (x.v < y.v ? -1 : x.v > y.v ? 1 : 0) || x.i - y.i;
    });
    nodes = keyed.map(function (x) { return x.b; });
    // one replaceChildren: moving the nodes one by one costs ten times as much once they have been drawn
    list.replaceChildren.apply(list, nodes);
    [].forEach.call(head.querySelectorAll('[data-sort]'), function (h) {
      h.setAttribute('aria-sort', h.dataset.sort === k ? (dir > 0 ? 'ascending' : 'descending') : 'none');
    });
  }
  head.addEventListener('click', function (ev) {
    var h = ev.target.closest('[data-sort]');
    if (h) sort(h.dataset.sort, h.dataset.num === '1');
  });
  list.addEventListener('click', function (ev) {
    var row = ev.target.closest('.row');
    if (!row || ev.target.closest('a')) return;
    var d = row.parentNode.querySelector('details');
    if (d) d.open = !d.open;
  });
  q.addEventListener('input', filter);
  p.addEventListener('change', filter);
  filter();
})();
`;
/** The table's columns: title, the data- attribute it sorts on, and whether that is a number. */
const COLUMNS: { title: string; sort?: string; num?: boolean }[] = [
  { title: '#', sort: 'i', num: true },
  { title: 'MAC / host', sort: 'mac' },
  { title: 'IP', sort: 'ip' },
  { title: 'Stage', sort: 'stage', num: true },
  { title: 'Problems', sort: 'problems', num: true },
  { title: 'System', sort: 'model' },
  { title: 'CPU', sort: 'cores', num: true },
  { title: 'Memory', sort: 'mem', num: true },
  { title: 'Disks', sort: 'disk', num: true },
  { title: 'Health', sort: 'health', num: true },
  { title: 'NICs', sort: 'nics', num: true },
  { title: 'BMC', sort: 'bmc' },
  { title: 'Serial', sort: 'serial' },
  { title: 'Power', sort: 'power' },
  { title: 'Files' },
];

const NONE = '<span class="none">—</span>';
const or = (s: string): string => s || NONE;
const ipKey = (ip?: string): string =>
  ip
    ? ip
        .split('.')
        .map((p) => p.padStart(3, '0'))
        .join('.')
    : '';

function powerCell(r: FleetRow): string {
  const cls = r.power === 'off' ? 'off' : r.power === 'unknown' ? 'unknown' : 'on';
  return `<span class="${cls}">${e(r.power)}</span>${r.powerDetail ? `<div class="small">${e(r.powerDetail)}</div>` : ''}`;
}

function sectionsHtml(sections: readonly DetailSection[]): string {
  if (!sections.length) return '<p class="small">no inventory uploaded</p>';
  return `<div class="sections">${sections
    .map(
      (s) =>
        `<div><h3>${e(s.title)}</h3><ul>${s.lines
          .map((l) => `<li${l.warn ? ' class="warn"' : ''}>${e(l.text)}</li>`)
          .join('')}</ul></div>`,
    )
    .join('')}</div>`;
}

function nodeBody(r: FleetRow, i: number, sections: readonly DetailSection[]): string {
  const search = [
    r.mac,
    r.hostname,
    r.ip4,
    r.ip6,
    r.stage,
    r.health,
    r.model,
    r.serial,
    r.cpu,
    r.bmcIp,
    r.source,
  ]
    .concat(r.problems)
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
  const data: Record<string, string | number | undefined> = {
    i: i + 1,
    mac: r.mac,
    ip: ipKey(r.ip4),
    stage: STAGE_ORDER.indexOf(r.stage),
    problems: r.problems.length,
    model: r.model,
    cores: r.cores,
    mem: r.memoryBytes,
    disk: r.diskBytes,
    // fail first, then warn, then ok
    health: r.health && ['fail', 'warn', 'ok'].indexOf(r.health),
    nics: r.nicCount,
    bmc: r.bmcIp,
    serial: r.serial,
    power: r.power,
    search,
  };
  const attrs = Object.entries(data)
    .map(([k, v]) => ` data-${k}="${e(v ?? '')}"`)
    .join('');
  const cpu = r.cpuSummary
    ? `${e(r.cpuSummary)}${r.cores !== undefined ? `<div class="small">${e(r.cores)} cores</div>` : ''}`
    : '';
  const mem = r.memoryBytes
    ? `${e(memorySize(r.memoryBytes))}${r.dimms ? `<div class="small">${e(r.dimms)} DIMMs</div>` : ''}`
    : '';
  // the cells stay short (a fleet is wide enough already); every disk and NIC is in the detail
  const disks = r.diskCount ? `${e(r.diskCount)} · ${e(humanBytes(r.diskBytes))}` : '';
  const nics = r.nicCount ? e(r.nicCount) : '';
  const bmc =
    r.bmcIp || r.bmcMac
      ? `<span class="mono">${e(r.bmcIp)}</span><div class="small mono">${e(r.bmcMac)}</div>`
      : '';
  const files = [
    r.inventoryLink ? `<a href="${e(r.inventoryLink)}">inventory.json</a>` : '',
    r.rawLink ? `<a href="${e(r.rawLink)}">raw.tar.gz</a>` : '',
  ]
    .filter(Boolean)
    .join('<br>');
  const problems = r.problems.length
    ? `<ul class="small bad" style="margin:0;padding-left:14px">${r.problems.map((p) => `<li>${e(p)}</li>`).join('')}</ul>`
    : r.inventory
      ? ''
      : '<span class="small">no inventory yet</span>';
  const cells = [
    `<span role="cell" class="num">${i + 1}</span>`,
    `<span role="cell"><span class="mono">${e(r.mac)}</span>${r.hostname ? `<div>${e(r.hostname)}</div>` : ''}${r.source ? `<div class="small">${e(r.source)}</div>` : ''}</span>`,
    `<span role="cell" class="mono">${or(e(r.ip4))}${r.ip6 ? `<div>${e(r.ip6)}</div>` : ''}</span>`,
    `<span role="cell">${e(r.stage)}${r.firmware ? `<div class="small">${e(r.firmware)}${r.bootMode ? ` / ${e(r.bootMode)}` : ''}</div>` : ''}</span>`,
    `<span role="cell">${problems}</span>`,
    `<span role="cell">${or(e(r.model))}</span>`,
    `<span role="cell">${or(cpu)}</span>`,
    `<span role="cell" class="num">${or(mem)}</span>`,
    `<span role="cell" class="num">${or(disks)}</span>`,
    // an inventory without a verdict (stored before verdicts existed) is a dash, never a blank that reads as fine
    `<span role="cell">${r.health ? `<span class="v-${r.health}">${e(r.health)}</span>` : r.inventory ? NONE : ''}</span>`,
    `<span role="cell" class="num">${or(nics)}</span>`,
    `<span role="cell">${or(bmc)}</span>`,
    `<span role="cell" class="mono">${or(e(r.serial))}</span>`,
    `<span role="cell">${powerCell(r)}</span>`,
    `<span role="cell" class="small">${or(files)}</span>`,
  ];
  const titles = sections.map((s) => s.title.replace(/ .*/, '')).join(', ');
  return `<div class="node${r.problems.length ? ' problem' : ''}" role="rowgroup"${attrs}>
<div class="row" role="row">${cells.join('')}</div>
<details><summary>details${titles ? `: ${e(titles)}` : ''}</summary>${sectionsHtml(sections)}</details>
</div>`;
}

export function renderHtml(report: FleetReport, details: ReadonlyMap<Mac, readonly DetailSection[]>): string {
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
    `report format ${report.schemaVersion}`,
  ]
    .filter(Boolean)
    .join(' · ');
  const card = (value: string | number, label: string, bad = false) =>
    `<li${bad ? ' class="bad"' : ''}><b>${e(value)}</b>${e(label)}</li>`;
  const body = report.rows.length
    ? report.rows.map((r, i) => nodeBody(r, i, details.get(r.mac) ?? [])).join('\n')
    : '<p class="none">no nodes seen</p>';
  const models = report.byModel.length
    ? `<table id="models"><thead><tr><th>Model</th><th>Nodes</th></tr></thead><tbody>${report.byModel
        .map((x) => `<tr><td>${e(x.model)}</td><td class="num">${e(x.count)}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p class="small">no inventory yet</p>';
  const sources =
    report.sources.length > 1
      ? `<div><h2>Data dirs</h2><ul id="sources">${report.sources
          .map(
            (s) =>
              `<li><span class="mono">${e(s.dir)}</span> — ${e(s.master ?? 'no master recorded')}, ${e(s.nodes)} nodes</li>`,
          )
          .join('')}</ul></div>`
      : '';
  const conflicts = report.conflicts.length
    ? `<div><h2>Nodes seen by more than one master (${e(report.conflicts.length)})</h2><ul id="conflicts">${report.conflicts
        .map(
          (c) =>
            `<li><span class="mono">${e(c.mac)}</span>: shown from <span class="mono">${e(c.chosen)}</span>, also in ${c.others
              .map((o) => `<span class="mono">${e(o)}</span>`)
              .join(', ')} — ${e(c.reason)}</li>`,
        )
        .join('')}</ul></div>`
    : '';
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
<ul class="totals" id="totals">
${card(t.expected !== undefined ? `${t.nodes} / ${t.expected}` : t.nodes, t.expected !== undefined ? 'nodes / expected' : 'nodes')}
${card(t.inventoried, 'inventoried')}
${card(t.problems, t.problems === 1 ? 'problem' : 'problems', t.problems > 0)}
${card(t.health.fail, 'health fail', t.health.fail > 0)}
${card(t.health.warn, 'health warn')}
${card(t.poweredOff, 'powered off')}
${card(t.cores, 'cores')}
${card(memorySize(t.memoryBytes) || '0 B', 'memory')}
${card(humanBytes(t.diskBytes) || '0 B', 'raw disk')}
</ul>
<p class="small">${stages || 'no stages yet'}</p>
<div class="side">
<div><h2>Counts by model</h2>${models}</div>
${sources}
${conflicts}
</div>
<h2>Nodes</h2>
<div id="controls" hidden><input type="search" id="q" placeholder="filter: MAC, IP, model, serial, problem…" aria-label="filter"><label><input type="checkbox" id="p"> problems only</label><span id="shown" class="small"></span></div>
<div id="fleet" role="table">
<div class="row head" role="row">${COLUMNS.map((c) => `<span role="columnheader"${c.sort ? ` data-sort="${c.sort}"${c.num ? ' data-num="1"' : ''}` : ''}>${e(c.title)}</span>`).join('')}</div>
<div id="nodes">
${body}
</div>
</div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
