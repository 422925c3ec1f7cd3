// Participant page: connect a wallet, sign in, sign and submit an order curve (or a batch
// of them with one signature), and see open orders, positions, settlement and collateral
// warnings; deposit and withdraw collateral; the weekly settlement and revenue panels
// (their own modules) pay or collect a week and claim fee revenue through the wallet;
// the authorisations panel (its own module) signs limits on a portfolio.
import {
  api, connectWallet, el, fmt, hourLabel, kv, notice, reportError, show, short, signIn, signTypedData, table, tokens,
} from './common.js';
import { mountAuthorisations, showAuthorisations } from './authorisation_panel.js';
import { runPlan } from './plans.js';
import { mountRevenue } from './revenue_panel.js';
import { mountSettlement } from './settlement_panel.js';

const state = { address: null, token: null, domain: null, batch: [] };

function inputRow(container, cells) {
  const row = el('div', { class: 'row' }, ...cells,
    el('button', { class: 'secondary', type: 'button', onclick: () => row.remove(), title: 'remove' }, '×'));
  document.getElementById(container).append(row);
}

function addProduct(name = '', weight = '1') {
  inputRow('portfolio', [
    el('input', { class: 'product', list: 'products', placeholder: 'product, e.g. rt:eu-west:premium:2026-11-22T14', value: name, name: 'product' }),
    el('input', { class: 'small', type: 'number', step: 'any', value: weight, name: 'weight', 'aria-label': 'weight' }),
    el('input', { class: 'small', name: 'group', placeholder: 'portfolio, e.g. east', 'aria-label': 'named portfolio (optional)' }),
  ]);
}

// Products with a portfolio name make one curve over several named portfolios
// (docs/portfolios.md): "east" (weight 1 in the curve's quantity) or "west*0.5".
function namedPortfolios(rows) {
  const groups = new Map();
  for (const { name, weight, group } of rows) {
    const star = group.indexOf('*');
    const label = (star < 0 ? group : group.slice(0, star)).trim();
    const share = star < 0 ? 1 : Number(group.slice(star + 1));
    if (!label || !Number.isFinite(share)) throw new Error(`portfolio of ${name}: write NAME or NAME*WEIGHT`);
    if (!groups.has(label)) groups.set(label, { name: label, weight: share, products: {} });
    const entry = groups.get(label);
    if (entry.weight !== share) throw new Error(`portfolio ${label}: one weight for all its products`);
    entry.products[name] = weight;
  }
  return [...groups.values()];
}

function addPoint(quantity = '', price = '') {
  inputRow('curve', [
    el('input', { class: 'small', type: 'number', step: 'any', value: quantity, name: 'quantity', placeholder: 'GB/h' }),
    el('input', { class: 'small', type: 'number', step: 'any', value: price, name: 'price', placeholder: 'price' }),
  ]);
}

function readNumber(input, what) {
  const value = Number(input.value);
  if (input.value.trim() === '' || !Number.isFinite(value)) throw new Error(`${what}: enter a number`);
  return value;
}

function draftOrder() {
  const portfolio = {};
  const grouped = [];
  for (const row of document.querySelectorAll('#portfolio .row')) {
    const name = row.querySelector('[name=product]').value.trim();
    if (!name) continue;
    const weight = readNumber(row.querySelector('[name=weight]'), `weight of ${name}`);
    const group = row.querySelector('[name=group]').value.trim();
    if (group) grouped.push({ name, weight, group });
    else portfolio[name] = weight;
  }
  if (grouped.length && Object.keys(portfolio).length) {
    throw new Error('give every product a portfolio name, or none (one portfolio)');
  }
  const kind = document.getElementById('kind').value;
  const curve = kind === 'all_or_nothing' ? [] : [...document.querySelectorAll('#curve .row')].map((row, k) => [
    readNumber(row.querySelector('[name=quantity]'), `curve point ${k + 1} quantity`),
    readNumber(row.querySelector('[name=price]'), `curve point ${k + 1} price`),
  ]);
  const order = {
    participant: state.address,
    nonce: readNumber(document.getElementById('nonce'), 'nonce'),
    from_hour: readNumber(document.getElementById('from-hour'), 'from hour'),
    until_hour: readNumber(document.getElementById('until-hour'), 'until hour'),
    portfolio,
    curve,
    replaces: null,
  };
  if (grouped.length) {
    if (kind !== 'curve') throw new Error('a curve over several portfolios is a curve order (kind curve)');
    order.portfolios = namedPortfolios(grouped);
  }
  if (kind === 'curve') return order;
  // A non-convex order's own fields (docs/nonconvex.md); the API names any it refuses.
  const fields = { all_or_nothing: ['quantity', 'price'], min_fill: ['min_quantity'], startup: ['fixed_cost'] }[kind];
  order.kind = kind;
  for (const name of fields) {
    order[name] = readNumber(document.getElementById(`nc-${name.replace('_', '-')}`), name.replace('_', ' '));
  }
  if (kind === 'all_or_nothing') delete order.curve;
  return order;
}

// A non-convex order's kind and what the cleared hours decided (accepted or rejected).
function kindCell(o) {
  if (o.portfolios) {
    const rates = (r) => Object.entries(r.portfolios || {}).map(([n, q]) => `${n} ${fmt(q)}`).join(', ');
    const last = o.outcomes.length === 0 ? 'not cleared yet'
      : o.outcomes.slice(-3).map((r) => `${r.hour}: ${rates(r)}`).join('; ');
    return `portfolios — ${last}`;
  }
  if (!o.terms) return 'curve';
  const last = o.outcomes.length === 0 ? 'not cleared yet'
    : o.outcomes.slice(-3).map((r) => `${r.hour}: ${r.accepted ? `accepted ${fmt(r.quantity)}` : 'rejected'}`).join('; ');
  return `${o.terms.kind} — ${last}`;
}

function portfolioCell(o) {
  const weights = (products) => Object.entries(products).map(([p, w]) => `${w} × ${p}`).join(', ');
  if (!o.portfolios) return weights(o.portfolio);
  return o.portfolios.map((p) => `${p.name}${p.weight === 1 ? '' : ` (×${p.weight})`}: ${weights(p.products)}`).join('; ');
}

function curveCell(o) {
  if (o.terms && o.terms.kind === 'all_or_nothing') return `${o.terms.quantity} at ≤ ${o.terms.price}`;
  return o.curve.map(([q, p]) => `(${q}, ${p})`).join(' ');
}

async function submit() {
  const button = document.getElementById('submit-button');
  button.disabled = true;
  try {
    const order = draftOrder();
    const draft = await api('/v1/web/typed-data/order', { method: 'POST', body: order });
    show('submit-result', notice('info', `Confirm the signature in your wallet (order ${short(draft.digest)})…`));
    const signature = await signTypedData(state.address, draft.typed_data);
    const accepted = await api('/v1/orders', {
      method: 'POST',
      body: { order, chain_id: state.domain.chain_id, verifying_contract: state.domain.verifying_contract, signature },
    });
    show('submit-result', notice('ok', `Order accepted: ${accepted.order.order_hash}`),
      el('p', { class: 'muted' }, `Receipt signed by the operator ${accepted.receipt.operator}: `,
        el('span', { class: 'mono' }, short(accepted.receipt.signature, 10))));
    document.getElementById('nonce').value = order.nonce + 1;
    if (state.token) await refresh();
  } catch (error) {
    reportError('submit-result', error);
  } finally {
    button.disabled = false;
  }
}

function showBatch() {
  document.getElementById('batch-button').textContent = `Sign batch and submit (${state.batch.length} orders)`;
  document.getElementById('batch-button').disabled = state.batch.length === 0;
  show('batch-list', state.batch.length === 0 ? el('p', { class: 'muted' }, 'No orders in the batch.') : table(
    ['nonce', 'portfolio', 'curve', 'hours', ''],
    state.batch.map((o, k) => [o.nonce, Object.entries(o.portfolio).map(([p, w]) => `${w} × ${p}`).join(', '),
      o.curve.map(([q, p]) => `(${q}, ${p})`).join(' '), `${o.from_hour}–${o.until_hour}`,
      el('button', { class: 'secondary', onclick: () => { state.batch.splice(k, 1); showBatch(); } }, '×')]),
  ));
}

function addToBatch() {
  try {
    const order = draftOrder();
    if (order.kind) throw new Error(`a ${order.kind} order is signed alone: use Sign and submit`);
    if (order.portfolios) throw new Error('a curve over several portfolios is signed alone: use Sign and submit');
    state.batch.push(order);
    document.getElementById('nonce').value = order.nonce + 1;
    showBatch();
  } catch (error) {
    reportError('batch-result', error);
  }
}

// One EIP-712 signature for all `orders` and `cancels` (order ids): POST /v1/orders/batch.
async function signBatch(orders, cancels, resultId) {
  const batch = { participant: state.address, orders, cancels };
  const draft = await api('/v1/web/typed-data/batch', { method: 'POST', body: batch });
  show(resultId, notice('info', `Confirm one signature in your wallet for ${orders.length} orders and ${cancels.length} cancels (batch ${short(draft.digest)})…`));
  const signature = await signTypedData(state.address, draft.typed_data);
  const accepted = await api('/v1/orders/batch', {
    method: 'POST',
    body: { batch, chain_id: state.domain.chain_id, verifying_contract: state.domain.verifying_contract, signature },
  });
  show(resultId, notice('ok', `Batch ${accepted.batch_hash} accepted: ${accepted.receipt.entries} entries`),
    el('p', { class: 'muted' }, `Receipt root `, el('span', { class: 'mono' }, short(accepted.receipt.entries_root, 10)),
      ` signed by the operator ${accepted.receipt.operator}; each entry carries its Merkle proof.`));
  return accepted;
}

async function submitBatch() {
  const button = document.getElementById('batch-button');
  button.disabled = true;
  try {
    await signBatch(state.batch, [], 'batch-result');
    state.batch = [];
    showBatch();
    if (state.token) await refresh();
  } catch (error) {
    reportError('batch-result', error);
    button.disabled = state.batch.length === 0;
  }
}

async function cancelAll(orders) {
  try {
    await signBatch([], orders.map((o) => o.order_hash), 'orders-result');
    await refresh();
  } catch (error) {
    reportError('orders-result', error);
  }
}

function addExpected(name = '', quantity = '') {
  inputRow('expected-rows', [
    el('input', { class: 'product', list: 'products', placeholder: 'product', value: name, name: 'expected-product' }),
    el('input', { class: 'small', type: 'number', step: 'any', value: quantity, name: 'expected-quantity', placeholder: 'GB/h' }),
  ]);
}

async function reportExpected() {
  const button = document.getElementById('expected-button');
  button.disabled = true;
  show('expected-result', notice('info', 'Preparing the report…'));
  try {
    if (!state.token) throw new Error('sign in first: the next report nonce is private');
    const positions = {};
    for (const row of document.querySelectorAll('#expected-rows .row')) {
      const name = row.querySelector('[name=expected-product]').value.trim();
      if (!name) continue;
      positions[name] = readNumber(row.querySelector('[name=expected-quantity]'), `expected position of ${name}`);
    }
    const current = await api('/v1/me/expected-positions', { token: state.token });
    // Valid until the close of the bidding window after the open one (the CLI's default).
    const report = {
      participant: state.address, nonce: current.next_nonce, deadline: (state.domain.open_hour + 1) * 3600, positions,
    };
    const draft = await api('/v1/web/typed-data/expected-positions', { method: 'POST', body: report });
    show('expected-result', notice('info', `Confirm the signature in your wallet (report ${short(draft.digest)})…`));
    const signature = await signTypedData(state.address, draft.typed_data);
    const accepted = await api('/v1/expected-positions', {
      method: 'POST',
      body: { report, chain_id: state.domain.chain_id, verifying_contract: state.domain.verifying_contract, signature },
    });
    show('expected-result', notice('ok', `Report ${short(accepted.report.report_hash)} accepted (nonce ${accepted.report.nonce}).`));
    showExpected(accepted.expected);
  } catch (error) {
    reportError('expected-result', error);
  } finally {
    button.disabled = false;
  }
}

function showExpected(expected) {
  show('expected-current', expected.positions.length === 0 ? el('p', { class: 'muted' }, 'No expected positions reported.') : table(
    ['product', { label: 'expected (GB/h)', num: true }, 'reported'],
    expected.positions.map((p) => [el('span', { class: 'mono' }, p.product), fmt(p.quantity),
      new Date(p.reported_at * 1000).toISOString().slice(0, 16).replace('T', ' ')]),
  ));
}

async function cancel(order) {
  try {
    const draft = await api('/v1/web/typed-data/cancel', { method: 'POST', body: { participant: state.address, order_hash: order.order_hash } });
    const signature = await signTypedData(state.address, draft.typed_data);
    await api(`/v1/orders/${order.order_hash}/cancel`, {
      method: 'POST', body: { participant: state.address, chain_id: state.domain.chain_id, signature },
    });
    await refresh();
  } catch (error) {
    reportError('status', error);
  }
}

// Deposit and withdraw: the server checks the action against the chain (balance,
// allowance; for a withdrawal the headroom over the proven requirement and any open
// settlement debt) and returns its transactions (a deposit's approval first when the
// vault's allowance is short); the wallet sends them in order.
async function moveCollateral(what, button) {
  const amount = document.getElementById(`${what}-amount`).value.trim();
  const statusId = `${what}-status`;
  button.disabled = true;
  show(statusId, notice('info', 'Checking against the chain…'));
  try {
    await runPlan(state.address, `/v1/web/collateral/${state.address}/${what}-tx`, { amount }, statusId);
    await collateral();
    show(statusId, notice('ok', what === 'deposit' ? `Deposited ${amount} capacity tokens.` : `Withdrew ${amount} capacity tokens.`));
  } catch (error) {
    // A debt blocks withdrawals: the sentence names the CLI command; here a button pays.
    const blocked = error.message && error.message.startsWith('withdrawal blocked');
    reportError(statusId, blocked ? new Error(`${error.message} (here: the week's Cure default button).`) : error);
    button.disabled = false;
  }
}

function amountForm(what, label, placeholder) {
  const button = el('button', { id: `${what}-button`, type: 'button', class: what === 'deposit' ? '' : 'secondary' }, label);
  button.onclick = () => moveCollateral(what, button);
  return el('div', { style: 'margin-top:8px' },
    el('div', { class: 'row' },
      el('input', { id: `${what}-amount`, inputmode: 'decimal', placeholder }),
      button),
    el('div', { id: `${what}-status` }));
}

async function collateral() {
  try {
    const c = await api(`/v1/web/collateral/${state.address}`);
    show('collateral', el('h2', {}, 'Collateral'), notice(c.status, c.message), kv([
      ['locked in the vault', `${tokens(c.collateral)} capacity tokens`],
      ['requirement', `${tokens(c.requirement)} capacity tokens`],
      ['excess', `${tokens(c.excess)} capacity tokens`],
      ['warning buffer', `${c.warning_buffer_bps / 100} % of the requirement`],
    ]), amountForm('deposit', 'Deposit', 'capacity tokens, e.g. 120.5'),
    amountForm('withdraw', 'Withdraw', 'capacity tokens, at most the excess'));
  } catch (error) {
    show('collateral', el('h2', {}, 'Collateral'), notice('error', `Collateral unavailable: ${error.message}`));
  }
}

async function refresh() {
  const token = state.token;
  const [orders, positions, settlement, expected] = await Promise.all([
    api('/v1/me/orders', { token }), api('/v1/me/positions', { token }), api('/v1/me/settlement', { token }),
    api('/v1/me/expected-positions', { token }),
  ]);
  showExpected(expected);
  await showAuthorisations(state);
  show('orders', el('h2', {}, `Open orders (${orders.length})`),
    orders.length === 0 ? null : el('div', { class: 'row' },
      el('button', { class: 'secondary', id: 'cancel-all-button', onclick: () => cancelAll(orders) }, 'Cancel all (one signature)')),
    el('div', { id: 'orders-result' }),
    orders.length === 0 ? el('p', { class: 'muted' }, 'No open orders.') : table(
    ['order', 'portfolio', 'curve', 'kind', 'hours', ''],
    orders.map((o) => [el('span', { class: 'mono' }, short(o.order_hash)),
      portfolioCell(o),
      curveCell(o),
      kindCell(o),
      `${o.from_hour}–${o.until_hour}`,
      el('button', { class: 'secondary', onclick: () => cancel(o) }, 'Cancel')]),
  ));
  show('positions', el('h2', {}, 'Positions'), positions.length === 0 ? el('p', { class: 'muted' }, 'No positions yet.') : table(
    ['product', { label: 'holding (GB/h)', num: true }, { label: 'updated', num: true }],
    positions.map((p) => [el('span', { class: 'mono' }, p.product), fmt(p.quantity), p.updated_hour]),
  ));
  const hours = settlement.hours.slice(-24).reverse();
  show('settlement', el('h2', {}, 'Settlement'),
    kv([['to settle (after fees)', el('strong', { id: 'to-settle' }, `${tokens(settlement.to_settle_wei, 4)} capacity tokens`)],
      ['of which fees', el('span', { id: 'fees' }, `${tokens(settlement.fees_wei, 4)} capacity tokens`)],
      ['cash before fees', el('span', { id: 'accumulated' }, `${fmt(settlement.accumulated_cash)} capacity tokens`)],
      ['sign', 'negative = you pay at the weekly settlement; the committed entries (after fees) are what settles']]),
    hours.length === 0 ? el('p', { class: 'muted' }, 'No cleared hours yet.') : table(
      ['hour', { label: 'cash before fees', num: true }, { label: 'fee', num: true },
        { label: 'net (settles)', num: true }, { label: 'accumulated before fees', num: true }, 'verify'],
      hours.map((h) => [hourLabel(h.hour), fmt(h.cash),
        h.fee_wei === null ? '–' : tokens(h.fee_wei, 6), h.net_cash_wei === null ? '–' : tokens(h.net_cash_wei, 6),
        fmt(h.accumulated),
        el('a', { href: `/v1/hours/${h.hour}/proofs/participants/${state.address}` }, 'Merkle proof')]),
    ),
    el('p', { class: 'muted' }, 'Downloads: ',
      el('a', { href: '#', onclick: (e) => { e.preventDefault(); download('trades'); } }, 'trades.csv'), ' · ',
      el('a', { href: '#', onclick: (e) => { e.preventDefault(); download('settlement'); } }, 'settlement.csv')));
}

async function download(what) {
  const response = await fetch(`/v1/me/${what}?format=csv`, { headers: { Authorization: `Bearer ${state.token}` } });
  const url = URL.createObjectURL(await response.blob());
  el('a', { href: url, download: `${what}.csv` }).click();
}

async function connect() {
  try {
    const { address, chainId } = await connectWallet();
    state.address = address;
    const nonce = await api(`/v1/nonces/${address}`);
    show('account', kv([['account', el('span', { class: 'mono', id: 'address' }, address)], ['chain', chainId]]),
      chainId === state.domain.chain_id ? null
        : notice('error', `Your wallet is on chain ${chainId}; this market is on chain ${state.domain.chain_id}. Switch networks.`));
    document.getElementById('nonce').value = nonce.next_nonce;
    document.getElementById('signin-button').disabled = false;
    document.getElementById('submit-button').disabled = false;
    document.getElementById('batch-add-button').disabled = false;
    document.getElementById('expected-button').disabled = false;
    await Promise.all([collateral(), mountSettlement(address), mountRevenue(address)]);
  } catch (error) {
    reportError('status', error);
  }
}

async function signInClicked() {
  try {
    state.token = await signIn(state.address);
    show('status', notice('ok', `Signed in as ${state.address}.`));
    await refresh();
  } catch (error) {
    reportError('status', error);
  }
}

async function main() {
  state.domain = await api('/v1/domain');
  const open = state.domain.open_hour;
  document.getElementById('from-hour').value = open;
  document.getElementById('until-hour').value = open + 23;
  show('window-label', `bidding is open for delivery hour ${open} (${hourLabel(open)}) onwards`);
  const products = await api('/v1/products');
  show('products', products.map((p) => el('option', { value: p.name })));
  addProduct(products.length ? products[0].name : '');
  addPoint('-5', '12');
  addPoint('10', '4');
  document.getElementById('add-product').onclick = () => addProduct();
  document.getElementById('add-point').onclick = () => addPoint();
  document.getElementById('add-expected').onclick = () => addExpected();
  document.getElementById('expected-button').onclick = reportExpected;
  addExpected();
  mountAuthorisations(state);
  document.getElementById('connect-button').onclick = connect;
  document.getElementById('signin-button').onclick = signInClicked;
  document.getElementById('submit-button').onclick = submit;
  document.getElementById('batch-add-button').onclick = addToBatch;
  document.getElementById('batch-button').onclick = submitBatch;
  document.body.dataset.ready = 'true';
}

main().catch((error) => reportError('status', error));
