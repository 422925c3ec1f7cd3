// Public market page: the latest cleared hour, its commitment and certificate, a price
// heatmap (days ahead × hour of day per region/type), volumes and the price table.
import { ApiError, api, el, fmt, hourLabel, kv, notice, reportError, show, short, table } from './common.js';
import { bars, heatmap, line, parseProduct, termStructure } from './charts.js';

const HISTORY_HOURS = 24;
const TABLE_ROWS = 100;

function summary(hour, prices) {
  show('summary', el('h2', {}, 'Latest cleared hour'), kv([
    ['delivery hour', `${hour.hour} (${hourLabel(hour.hour)})`],
    ['cleared at', new Date(hour.cleared_at * 1000).toISOString().replace('.000Z', 'Z')],
    ['orders in the book', hour.n_orders],
    ['products priced', prices.length],
    ['traded products', prices.filter((p) => p.volume > 1e-9).length],
    ['as-bid welfare', `${fmt(hour.welfare)} tokens`],
    ['published order set', el('a', { href: `/v1/hours/${hour.hour}/orders` }, 'download (JSON, with signatures)')],
  ]));
}

function commitment(hour) {
  const c = hour.commitment;
  if (!c) {
    show('commitment', el('h2', {}, 'On-chain commitment'), notice('info', `Hour ${hour.hour} is cleared but not yet committed on chain.`));
    return;
  }
  show('commitment', el('h2', {}, 'On-chain commitment'), kv([
    ['transaction', el('span', { class: 'mono', id: 'commit-tx' }, c.commit_tx_hash)],
    ['orders root', el('span', { class: 'mono' }, c.orders_root)],
    ['prices root', el('span', { class: 'mono' }, c.prices_root)],
    ['positions root', el('span', { class: 'mono' }, c.positions_root)],
    ['committed at', c.committed_at ? new Date(c.committed_at * 1000).toISOString().replace('.000Z', 'Z') : '–'],
  ]), el('p', { class: 'muted' }, 'Every price row below links to its Merkle proof against the prices root; anyone can re-run the clearing on the published order set and compare the roots (',
    el('span', { class: 'mono' }, 'flowmarket clear'), ').'));
}

function certificate(hour, cert) {
  const pairs = Object.entries(cert).map(([k, v]) => [k.replaceAll('_', ' '), typeof v === 'number' ? fmt(v, 12) : String(v)]);
  show('certificate', el('h2', {}, 'Optimality certificate'), kv(pairs),
    el('p', { class: 'muted' }, el('a', { href: `/v1/hours/${hour}/certificate` }, 'certificate JSON')));
}

function heatmaps(hour, prices) {
  const groups = termStructure(prices, hour);
  const select = document.getElementById('group');
  if (groups.size === 0) {
    show('heatmap', notice('info', 'No real-time or hourly-forward products were priced in this hour.'));
    return;
  }
  const names = [...groups.keys()].sort();
  show(select, names.map((n) => el('option', { value: n }, n)));
  const draw = () => show('heatmap', heatmap(groups.get(select.value), { title: `${select.value}: price by days ahead and delivery hour` }));
  select.onchange = draw;
  draw();
}

function volumes(prices) {
  const totals = new Map();
  for (const row of prices) {
    const key = parseProduct(row.product);
    const label = key ? `${key.region} · ${key.type}` : row.product;
    totals.set(label, (totals.get(label) || 0) + row.volume);
  }
  const items = [...totals.entries()].map(([label, value]) => ({ label, value })).sort((a, b) => b.value - a.value).slice(0, 12);
  show('volumes', bars(items, { title: 'Traded volume by region · type (GB/h, summed over products)' }));
}

// The network of the hour: each region's real-time price (nodal prices) and the
// real-time links with their use, price and rent (GET /v1/hours/{h}/network).
async function network(hour, prices) {
  let net;
  try {
    net = await api(`/v1/hours/${hour}/network`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      show('network', el('h2', {}, 'Network'), el('p', { class: 'muted' }, 'This hour was cleared without a network: every region clears on its own.'));
      return;
    }
    throw error;
  }
  const stamp = new Date(hour * 3600 * 1000).toISOString().slice(0, 13);  // link ids end @YYYY-MM-DDTHH
  const nodal = prices.map((p) => [p, parseProduct(p.product)]).filter(([, k]) => k && k.delivery === hour);
  const live = net.links.filter((l) => l.id.endsWith(`@${stamp}`));
  // utilisation is null where no capacity was left for this clearing: sold by earlier ones
  const use = (u) => (u === null ? el('span', { class: 'muted' }, 'sold out')
    : el('span', { class: 'use' }, el('span', { class: 'use-bar', style: `width:${Math.round(100 * Math.min(1, u))}%` }), ` ${fmt(100 * u, 3)} %`));
  show('network', el('h2', {}, 'Network'),
    kv([['congestion rent (all links)', `${fmt(net.congestion_rent)} tokens/h`], ['transport charges', `${fmt(net.transport_charge)} tokens/h`],
      ['links full this hour', `${live.filter((l) => l.shadow_price > 0).length} of ${live.length}`]]),
    el('h3', {}, 'Nodal prices (real time)'),
    table(['region', 'type', { label: 'price (tokens/GB)', num: true }, { label: 'volume (GB/h)', num: true }],
      nodal.sort((a, b) => a[1].region.localeCompare(b[1].region) || a[1].type.localeCompare(b[1].type))
        .map(([p, k]) => [k.region, k.type, fmt(p.price), fmt(p.volume)])),
    el('h3', {}, 'Links (real time)'),
    table(['link', { label: 'flow (GB/h)', num: true }, { label: 'capacity', num: true }, 'utilisation', { label: 'price (tokens/GB)', num: true }, { label: 'rent (tokens/h)', num: true }],
      live.map((l) => [el('span', { class: 'mono' }, `${l.from} → ${l.to}`), fmt(l.flow), fmt(l.capacity), use(l.utilisation), fmt(l.shadow_price), fmt(l.rent)])),
    el('p', { class: 'muted' }, el('a', { href: `/v1/hours/${hour}/network` }, 'network JSON'), ' (every delivery hour\'s links, flows per service type)'));
}

async function history(latest) {
  const hours = Array.from({ length: HISTORY_HOURS }, (_, k) => latest - HISTORY_HOURS + 1 + k);
  const rows = await Promise.all(hours.map((h) => api(`/v1/hours/${h}/prices`).catch((e) => {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  })));
  const points = hours.map((h, k) => (rows[k] ? { x: h, y: rows[k].reduce((s, r) => s + r.volume, 0), label: hourLabel(h).slice(5, 16) } : null)).filter(Boolean);
  show('history', line(points, { title: `Total traded volume, last ${HISTORY_HOURS} h (cleared hours)`, xLabel: 'delivery hour', yLabel: 'GB/h' }));
}

function priceTable(hour, prices) {
  const input = document.getElementById('filter');
  const draw = () => {
    const needle = input.value.trim().toLowerCase();
    const rows = prices.filter((p) => p.product.toLowerCase().includes(needle))
      .sort((a, b) => b.volume - a.volume || a.product.localeCompare(b.product));
    show('count', `${rows.length} products${rows.length > TABLE_ROWS ? `, the ${TABLE_ROWS} most traded shown` : ''}`);
    show('prices', table(
      ['product', { label: 'price (tokens/GB)', num: true }, { label: 'volume (GB/h)', num: true }, { label: 'slope', num: true }, 'verify'],
      rows.slice(0, TABLE_ROWS).map((p) => [el('span', { class: 'mono' }, p.product), fmt(p.price), fmt(p.volume), fmt(p.slope),
        el('a', { href: `/v1/hours/${hour}/proofs/prices/${encodeURIComponent(p.product)}`, class: 'proof' }, 'Merkle proof')]),
    ));
  };
  input.oninput = draw;
  draw();
}

async function main() {
  let hour;
  try {
    hour = await api('/v1/hours/latest');
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      show('status', notice('info', 'No hour has been cleared yet. Prices appear here after the first clearing.'));
      show('summary', el('h2', {}, 'Latest cleared hour'), el('p', { class: 'muted' }, 'none yet'));
      return;
    }
    throw error;
  }
  document.getElementById('title').textContent = `Market · hour ${hour.hour} (${hourLabel(hour.hour)})`;
  const [prices, cert] = await Promise.all([api(`/v1/hours/${hour.hour}/prices`), api(`/v1/hours/${hour.hour}/certificate`)]);
  summary(hour, prices);
  commitment(hour);
  certificate(hour.hour, cert);
  heatmaps(hour.hour, prices);
  volumes(prices);
  priceTable(hour.hour, prices);
  await network(hour.hour, prices);
  await history(hour.hour);
  document.body.dataset.ready = 'true';
}

main().catch((error) => reportError('status', error));
