import { api, listAll } from '../api.js';
import { h, icon, clear, formatNumber } from '../dom.js';
import { onThemeChange } from '../theme.js';
import { pageHeader, errorBox } from '../ui.js';

const RANGES = [
  { id: '1h', label: 'Last hour', ms: 3600e3 },
  { id: '24h', label: 'Last 24 hours', ms: 86400e3 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86400e3 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86400e3 },
];
const PALETTE = ['#6366f1', '#14b8a6', '#f59e0b', '#ec4899', '#3b82f6', '#84cc16', '#ef4444', '#8b5cf6', '#06b6d4', '#f97316'];
const REFRESH_MS = 5000;

function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

export default function statsView(main) {
  const range = h('select', { id: 'stats-range', 'aria-label': 'Time range' }, RANGES.map((r) => h('option', { value: r.id, selected: r.id === '24h' }, r.label)));
  const groupBy = h('select', { id: 'stats-group', 'aria-label': 'Group charts by' },
    [['model', 'By model'], ['provider', 'By provider'], ['key', 'By key']].map(([v, l]) => h('option', { value: v }, l)));
  const live = h('span', { class: 'live muted small' }, h('span', { class: 'status-dot', 'data-status': 'ready' }), ' Live');
  const cards = h('div', { class: 'stat-cards', id: 'stat-cards' });
  const tokensCanvas = h('canvas', { id: 'chart-tokens', role: 'img', 'aria-label': 'Tokens over time' });
  const requestsCanvas = h('canvas', { id: 'chart-requests', role: 'img', 'aria-label': 'Requests over time' });
  const breakdown = h('div', { class: 'table-wrap' });
  const error = h('div');
  main.append(pageHeader('Statistics', 'Where the requests and tokens went.', live, groupBy, range), error, cards,
    h('div', { class: 'chart-grid' },
      h('section', { class: 'card' }, h('h2', {}, 'Tokens'), h('div', { class: 'chart-box' }, tokensCanvas)),
      h('section', { class: 'card' }, h('h2', {}, 'Requests'), h('div', { class: 'chart-box' }, requestsCanvas))),
    h('section', { class: 'card flush' }, h('h2', { class: 'card-pad' }, 'Top usage'), breakdown));

  let names = { provider: new Map(), key: new Map() };
  let charts = [];
  let timer = null;
  let stopped = false;

  async function loadNames() {
    try {
      const [providers, keys] = await Promise.all([listAll('/api/admin/providers'), listAll('/api/admin/keys')]);
      names = { provider: new Map(providers.map((p) => [String(p.id), p.name])), key: new Map(keys.map((k) => [String(k.id), k.name])) };
    } catch (e) { /* ids are shown instead */ }
  }

  function label(group) {
    if (!group) return 'All';
    const map = names[groupBy.value];
    return (map && map.get(group)) || group;
  }

  function query() {
    const r = RANGES.find((x) => x.id === range.value);
    const end = Date.now();
    return `start=${end - r.ms}&end=${end}`;
  }

  function card(title, value, iconName, extra) {
    return h('div', { class: 'stat-card' }, h('div', { class: 'stat-icon' }, icon(iconName)),
      h('div', {}, h('div', { class: 'stat-label' }, title), h('div', { class: 'stat-value', dataset: { stat: title.toLowerCase() } }, value),
        extra ? h('div', { class: 'muted small' }, extra) : null));
  }

  function renderCards(t) {
    clear(cards).append(
      card('Requests', formatNumber(t.requests), 'arrow-right-arrow-left', `p50 ${formatNumber(t.latency_p50_ms)} ms · p99 ${formatNumber(t.latency_p99_ms)} ms`),
      card('Conversations', formatNumber(t.conversations), 'comments', `${formatNumber(t.rounds)} rounds`),
      card('Tokens', formatNumber(t.total_tokens), 'coins', `${formatNumber(t.prompt_tokens)} in · ${formatNumber(t.completion_tokens)} out`),
      card('Errors', formatNumber(t.errors), 'triangle-exclamation', t.requests ? `${((100 * t.errors) / t.requests).toFixed(1)}% of requests` : 'none'));
  }

  function drawChart(index, canvas, series, bucket, metric, range) {
    const grid = css('--border');
    const text = css('--text-muted');
    const unit = { minute: 'minute', hour: 'hour', day: 'day' }[bucket] || 'hour';
    const datasets = series.map((s, i) => ({
      label: label(s.group),
      data: s.points.map((p) => ({ x: p.t, y: p[metric] })),
      backgroundColor: PALETTE[i % PALETTE.length],
      borderColor: PALETTE[i % PALETTE.length],
      borderRadius: 3,
      maxBarThickness: 28,
    }));
    // Ticks on whole buckets, about eight of them, so labels read 09:00, 12:00, … not 09:17.
    const size = { minute: 60e3, hour: 3600e3, day: 86400e3 }[unit];
    const step = size * Math.max(1, Math.ceil((range.end_ms - range.start_ms) / size / 8));
    const axis = { min: Math.floor(range.start_ms / step) * step, max: Math.ceil(range.end_ms / step) * step, step };
    const fmt = (ms) => new Date(ms).toLocaleString(undefined, unit === 'day' ? { month: 'short', day: 'numeric' } : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const config = {
      type: 'bar',
      data: { datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, parsing: true,
        scales: {
          x: { type: 'linear', stacked: true, min: axis.min, max: axis.max, grid: { color: grid }, ticks: { color: text, callback: fmt, stepSize: axis.step, autoSkip: false, maxRotation: 0 } },
          y: { stacked: true, beginAtZero: true, grid: { color: grid }, ticks: { color: text, precision: 0 } },
        },
        plugins: {
          legend: { labels: { color: text, boxWidth: 12 } },
          tooltip: { callbacks: { title: (items) => (items.length ? new Date(items[0].parsed.x).toLocaleString() : '') } },
        },
      },
    };
    if (!window.Chart) return;
    if (charts[index]) { charts[index].data = config.data; charts[index].options = config.options; charts[index].update('none'); return; }
    charts[index] = new window.Chart(canvas, config);
  }

  function renderBreakdown(rows) {
    clear(breakdown);
    if (!rows.length) { breakdown.append(h('p', { class: 'muted card-pad' }, 'No usage in this range yet.')); return; }
    const title = { model: 'Model', provider: 'Provider', key: 'Key' }[groupBy.value];
    breakdown.append(h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, title), ['Requests', 'Prompt tokens', 'Completion tokens', 'Total tokens', 'Errors'].map((t) => h('th', { scope: 'col', class: 'num' }, t)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, h('td', {}, label(r.group)),
        ...[r.requests, r.prompt_tokens, r.completion_tokens, r.total_tokens, r.errors].map((n) => h('td', { class: 'num' }, formatNumber(n))))))));
  }

  async function refresh() {
    if (stopped) return;
    try {
      const q = query();
      const g = groupBy.value;
      const [totals, series, rows] = await Promise.all([
        api('GET', `/api/admin/stats/summary?${q}`),
        api('GET', `/api/admin/stats/timeseries?${q}&group_by=${g}`),
        api('GET', `/api/admin/stats/breakdown?${q}&group_by=${g}&limit=10`),
      ]);
      if (stopped) return;
      clear(error);
      renderCards(totals);
      drawChart(0, tokensCanvas, series.series, series.bucket, 'total_tokens', series.range);
      drawChart(1, requestsCanvas, series.series, series.bucket, 'requests', series.range);
      renderBreakdown(rows.rows);
    } catch (err) { errorBox(error, err, refresh); }
  }

  function schedule() {
    clearInterval(timer);
    timer = setInterval(() => { if (document.visibilityState === 'visible') refresh(); }, REFRESH_MS);
  }

  range.addEventListener('change', refresh);
  groupBy.addEventListener('change', refresh);
  const onVisible = () => { if (document.visibilityState === 'visible') refresh(); };
  document.addEventListener('visibilitychange', onVisible);
  const offTheme = onThemeChange(() => { for (const c of charts) c && c.destroy(); charts = []; refresh(); });
  loadNames().then(refresh);
  schedule();
  return () => {
    stopped = true;
    clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisible);
    offTheme();
    for (const c of charts) c && c.destroy();
  };
}
