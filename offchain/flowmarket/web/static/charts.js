// SVG charts built from API JSON: price heatmap, bars and lines. No libraries.
const NS = 'http://www.w3.org/2000/svg';
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

export function color(t) {
  const x = Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), 1) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(x), VIRIDIS.length - 2);
  const f = x - i;
  const [a, b] = [VIRIDIS[i], VIRIDIS[i + 1]];
  return `rgb(${a.map((v, k) => Math.round(v + f * (b[k] - v))).join(',')})`;
}

// "rt:eu-west:premium:2026-11-22T14" / "fwd-h:…" → {kind, region, type, delivery (hour index)}
export function parseProduct(name) {
  const parts = name.split(':');
  if (parts.length !== 4 || !['rt', 'fwd-h'].includes(parts[0])) return null;
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})$/.exec(parts[3]);
  if (!match) return null;
  const [, y, m, d, h] = match.map(Number);
  return { kind: parts[0], region: parts[1], type: parts[2], delivery: Date.UTC(y, m - 1, d, h) / 3600000 };
}

// prices: [{product, price}] of one cleared hour → grid days-ahead × hour-of-day per region/type
export function termStructure(rows, hour) {
  const groups = new Map();
  for (const row of rows) {
    const key = parseProduct(row.product);
    if (!key) continue;
    const group = `${key.region} · ${key.type}`;
    if (!groups.has(group)) groups.set(group, []);
    const ahead = key.delivery - hour;
    groups.get(group).push({ day: Math.floor(ahead / 24), hourOfDay: key.delivery % 24, ...row });
  }
  return groups;
}

export function heatmap(cells, { title, width = 760 }) {
  const days = Math.max(...cells.map((c) => c.day)) + 1;
  const left = 78; const top = 26; const cw = (width - left - 70) / 24; const ch = 22;
  const prices = cells.map((c) => c.price);
  const [lo, hi] = [Math.min(...prices), Math.max(...prices)];
  const scale = (p) => (hi > lo ? (p - lo) / (hi - lo) : 0.5);
  const height = top + days * ch + 34;
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  root.append(svg('text', { x: 0, y: 14, class: 'title' }, title));
  for (let d = 0; d < days; d += 1) {
    root.append(svg('text', { x: left - 6, y: top + d * ch + 15, 'text-anchor': 'end' }, `+${d} d`));
  }
  for (let h = 0; h < 24; h += 3) {
    root.append(svg('text', { x: left + h * cw + cw / 2, y: top + days * ch + 14, 'text-anchor': 'middle' }, `${h}h`));
  }
  root.append(svg('text', { x: left + 12 * cw, y: top + days * ch + 30, 'text-anchor': 'middle' }, 'delivery hour of day (UTC) · rows: days ahead'));
  for (const c of cells) {
    root.append(svg('rect', {
      x: left + c.hourOfDay * cw, y: top + c.day * ch, width: cw - 1, height: ch - 1, fill: color(scale(c.price)),
      'data-product': c.product,
    }, svg('title', {}, `${c.product}: ${c.price.toFixed(4)} tokens/GB`)));
  }
  const lx = width - 52;
  for (let k = 0; k < 20; k += 1) {
    root.append(svg('rect', { x: lx, y: top + (19 - k) * (days * ch / 20), width: 12, height: days * ch / 20 + 0.5, fill: color(k / 19) }));
  }
  root.append(svg('text', { x: lx + 16, y: top + 8 }, hi.toFixed(2)));
  root.append(svg('text', { x: lx + 16, y: top + days * ch }, lo.toFixed(2)));
  return root;
}

export function bars(items, { title, width = 520, unit = '' }) {
  const left = 150; const barH = 18; const top = 24;
  const height = top + items.length * (barH + 6) + 8;
  const max = Math.max(1e-12, ...items.map((i) => Math.abs(i.value)));
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  root.append(svg('text', { x: 0, y: 14, class: 'title' }, title));
  items.forEach((item, k) => {
    const y = top + k * (barH + 6);
    const w = (Math.abs(item.value) / max) * (width - left - 90);
    root.append(svg('text', { x: left - 8, y: y + 13, 'text-anchor': 'end' }, item.label));
    root.append(svg('rect', { x: left, y, width: Math.max(w, 1), height: barH, fill: item.value < 0 ? '#cf222e' : '#1f6feb', rx: 3 }));
    root.append(svg('text', { x: left + w + 6, y: y + 13 }, `${item.value.toFixed(2)}${unit}`));
  });
  return root;
}

export function line(points, { title, width = 520, height = 200, xLabel = '', yLabel = '' }) {
  const left = 56; const right = 12; const top = 24; const bottom = 34;
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  root.append(svg('text', { x: 0, y: 14, class: 'title' }, title));
  if (points.length === 0) return root;
  const xs = points.map((p) => p.x); const ys = points.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(0, ...ys), Math.max(...ys) * 1.1 || 1];
  const sx = (x) => left + (x1 > x0 ? (x - x0) / (x1 - x0) : 0.5) * (width - left - right);
  const sy = (y) => top + (1 - (y - y0) / (y1 - y0)) * (height - top - bottom);
  root.append(svg('line', { x1: left, y1: sy(y0), x2: width - right, y2: sy(y0), stroke: '#dfe3ea' }));
  root.append(svg('line', { x1: left, y1: top, x2: left, y2: height - bottom, stroke: '#dfe3ea' }));
  root.append(svg('text', { x: left - 6, y: sy(y1) + 4, 'text-anchor': 'end' }, y1.toFixed(1)));
  root.append(svg('text', { x: left - 6, y: sy(y0) + 4, 'text-anchor': 'end' }, y0.toFixed(1)));
  root.append(svg('text', { x: left, y: height - bottom + 14 }, String(points[0].label ?? x0)));
  root.append(svg('text', { x: width - right, y: height - bottom + 14, 'text-anchor': 'end' }, String(points[points.length - 1].label ?? x1)));
  root.append(svg('text', { x: (left + width) / 2, y: height - 4, 'text-anchor': 'middle' }, xLabel));
  root.append(svg('text', { x: 10, y: top - 4 }, yLabel));
  const path = points.map((p, k) => `${k ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join('');
  root.append(svg('path', { d: path, fill: 'none', stroke: '#1f6feb', 'stroke-width': 2 }));
  for (const p of points) root.append(svg('circle', { cx: sx(p.x), cy: sy(p.y), r: 3, fill: '#1f6feb' }, svg('title', {}, `${p.label ?? p.x}: ${p.y.toFixed(3)}`)));
  return root;
}
