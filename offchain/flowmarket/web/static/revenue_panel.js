// Revenue panel: the holders' share of the market's fees, per closed epoch of the revenue
// distributor; claim it (or close an epoch whose time is up) through the wallet.
import { api, el, kv, notice, reportError, show, table, tokens } from './common.js';
import { exactTokens, runPlan } from './plans.js';

const TITLE = 'Revenue share';

function utc(seconds) {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

async function act(address, what, button, done) {
  button.disabled = true;
  show('revenue-status', notice('info', 'Checking against the chain…'));
  try {
    await runPlan(address, `/v1/web/revenue/${address}/${what}-tx`, undefined, 'revenue-status');
    const text = await done();
    await mountRevenue(address);
    show('revenue-status', notice('ok', text));
  } catch (error) {
    reportError('revenue-status', error);
    button.disabled = false;
  }
}

function buttons(address, r) {
  const claim = el('button', { id: 'claim-button', type: 'button', disabled: BigInt(r.claimable) === 0n },
    `Claim ${exactTokens(r.claimable)} capacity tokens`);
  claim.onclick = () => act(address, 'claim', claim, async () => `Claimed ${exactTokens(r.claimable)} capacity tokens.`);
  const close = el('button', { id: 'close-epoch-button', type: 'button', class: 'secondary', disabled: !r.can_close },
    `Close epoch ${r.current_epoch}`);
  close.onclick = () => act(address, 'close', close, async () => `Epoch ${r.current_epoch} closed: its shares can be claimed.`);
  return el('div', { class: 'row', style: 'margin-top:8px' }, claim, close);
}

export async function mountRevenue(address) {
  try {
    const r = await api(`/v1/web/revenue/${address}`);
    show('revenue', el('h2', {}, TITLE),
      el('p', { class: 'muted' }, `Governance-token holders share ${r.holder_share_bps / 100} % of the market's fees, epoch by epoch, in proportion to the tokens they held over the epoch; the rest goes to the treasury.`),
      kv([
        ['governance tokens', tokens(r.governance_tokens)],
        ['open epoch', `${r.current_epoch}: ${exactTokens(r.pending)} capacity tokens of fees so far`],
        ['it can close', r.can_close ? 'now' : utc(r.closes_at)],
        ['claimable now', el('strong', { id: 'claimable' }, `${exactTokens(r.claimable)} capacity tokens`)],
      ]),
      r.epochs.length === 0 ? null : table(
        ['epoch', 'closed', { label: 'holders got (tokens)', num: true }, 'your share'],
        r.epochs.map((e) => [e.epoch, utc(e.closed_at), exactTokens(e.holder_amount),
          e.claimed ? 'claimed' : `${exactTokens(e.claimable)} to claim`]),
      ),
      buttons(address, r),
      el('div', { id: 'revenue-status' }));
  } catch (error) {
    show('revenue', el('h2', {}, TITLE), notice('error', `Revenue unavailable: ${error.message}`));
  }
}
