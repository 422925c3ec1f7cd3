// Authorisations panel: sign limits on one portfolio (EIP-712 `Authorisation`: a rate per
// clearing and a position held, each optional), list them with your position in the
// portfolio and the bounds the next clearing applies, and cancel one (EIP-712 `Cancel` of
// its id). A new authorisation over a portfolio that a live one governs replaces it.
import { api, el, fmt, notice, reportError, show, short, signTypedData, table } from './common.js';

const LIMITS = [
  ['min_rate', 'min rate (GB/h, ≤ 0)'],
  ['max_rate', 'max rate (GB/h, ≥ 0)'],
  ['min_position', 'min position (GB/h)'],
  ['max_position', 'max position (GB/h)'],
];
const YEAR_OF_HOURS = 8783; // valid for a year of delivery hours from the open one

function parsePortfolio(text) {
  const out = {};
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const [k, part] of parts.entries()) {
    const at = part.lastIndexOf('=');
    const name = at > 0 ? part.slice(0, at).trim() : '';
    const weight = at > 0 ? part.slice(at + 1).trim() : '';
    const value = Number(weight);
    if (!name || weight === '' || !Number.isFinite(value)) throw new Error(`portfolio[${k}]: expected PRODUCT=WEIGHT, got ${part}`);
    out[name] = value;
  }
  if (parts.length === 0) throw new Error('portfolio: name at least one PRODUCT=WEIGHT');
  return out;
}

function samePortfolio(a, b) {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

const range = (lo, hi) => `${lo === null ? '−∞' : fmt(lo)} … ${hi === null ? '+∞' : fmt(hi)}`;

export function mountAuthorisations(state) {
  show('authorisations', el('h2', {}, 'Authorisations (limits)'),
    el('p', { class: 'muted' }, 'Limits on your orders over one portfolio (product weights, as in an order; an order over a multiple of it counts too): the rate you may buy (+) or sell (−) per clearing and the position you may hold. The oracle enforces them inside the clearing from your committed positions. Leave a limit empty for none. Signed with your wallet (EIP-712); a new one over the same portfolio replaces the live one.'),
    el('div', { class: 'row' }, el('label', {}, 'portfolio ',
      el('input', { id: 'auth-portfolio', class: 'product', placeholder: 'PRODUCT=WEIGHT,...' }))),
    el('div', { class: 'row' }, ...LIMITS.map(([key, label]) => el('label', {}, `${label} `,
      el('input', { id: `auth-${key}`, class: 'small', type: 'number', step: 'any' })))),
    el('div', { class: 'row' }, el('button', { id: 'auth-button', onclick: () => authorise(state) }, 'Sign and authorise')),
    el('div', { id: 'auth-result' }),
    el('div', { id: 'auth-current' }, el('p', { class: 'muted' }, 'Sign in to see your authorisations.')));
}

async function authorise(state) {
  const button = document.getElementById('auth-button');
  button.disabled = true;
  show('auth-result', notice('info', 'Preparing the authorisation…'));
  try {
    if (!state.token) throw new Error('sign in first: your authorisations (and their nonces) are private');
    const portfolio = parsePortfolio(document.getElementById('auth-portfolio').value);
    const limits = {};
    for (const [key] of LIMITS) {
      const raw = document.getElementById(`auth-${key}`).value.trim();
      limits[key] = raw === '' ? null : Number(raw);
      if (raw !== '' && !Number.isFinite(limits[key])) throw new Error(`${key}: enter a number or leave it empty`);
    }
    const listed = await api('/v1/me/authorisations', { token: state.token });
    const nonce = listed.authorisations.reduce((n, a) => Math.max(n, a.nonce + 1), 0);
    const live = listed.authorisations.find((a) => a.status === 'live' && samePortfolio(a.portfolio, portfolio));
    const open = state.domain.open_hour;
    const authorisation = {
      participant: state.address, nonce, from_hour: open, until_hour: open + YEAR_OF_HOURS, portfolio, ...limits,
      replaces: live ? live.auth_hash : null,
    };
    const draft = await api('/v1/web/typed-data/authorisation', { method: 'POST', body: authorisation });
    show('auth-result', notice('info', `Confirm the signature in your wallet (authorisation ${short(draft.digest)})…`));
    const signature = await signTypedData(state.address, draft.typed_data);
    const accepted = await api('/v1/authorisations', {
      method: 'POST',
      body: { authorisation, chain_id: state.domain.chain_id, verifying_contract: state.domain.verifying_contract, signature },
    });
    const replaced = live ? `, replacing ${short(live.auth_hash)}` : '';
    show('auth-result', notice('ok', `Authorisation ${short(accepted.authorisation.auth_hash)} accepted${replaced}.`));
    await showAuthorisations(state);
  } catch (error) {
    reportError('auth-result', error);
  } finally {
    button.disabled = false;
  }
}

async function cancelAuthorisation(state, auth) {
  try {
    const draft = await api('/v1/web/typed-data/cancel', { method: 'POST', body: { participant: state.address, order_hash: auth.auth_hash } });
    const signature = await signTypedData(state.address, draft.typed_data);
    await api(`/v1/authorisations/${auth.auth_hash}/cancel`, {
      method: 'POST', body: { participant: state.address, chain_id: state.domain.chain_id, signature },
    });
    show('auth-result', notice('ok', `Authorisation ${short(auth.auth_hash)} cancelled.`));
    await showAuthorisations(state);
  } catch (error) {
    reportError('auth-result', error);
  }
}

export async function showAuthorisations(state) {
  const listed = await api('/v1/me/authorisations', { token: state.token });
  const rows = listed.authorisations;
  show('auth-current', rows.length === 0 ? el('p', { class: 'muted' }, 'No authorisations.') : table(
    ['authorisation', 'portfolio', 'rate limits (GB/h)', 'position limits (GB/h)', 'status', 'your position', 'next clearing may trade', ''],
    rows.map((a) => [el('span', { class: 'mono' }, short(a.auth_hash)),
      Object.entries(a.portfolio).map(([p, w]) => `${w} × ${p}`).join(', '),
      range(a.min_rate, a.max_rate), range(a.min_position, a.max_position),
      el('span', { class: `status-${a.status}` }, a.status),
      a.position ? (a.position.min_rate === a.position.max_rate ? fmt(a.position.min_rate) : range(a.position.min_rate, a.position.max_rate)) : '–',
      a.next_bounds ? range(a.next_bounds.min_rate, a.next_bounds.max_rate) : '–',
      a.status === 'live' ? el('button', { class: 'secondary', onclick: () => cancelAuthorisation(state, a) }, 'Cancel') : '']),
  ));
}
