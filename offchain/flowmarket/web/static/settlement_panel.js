// Weekly settlement panel: the participant's leaf of every posted week, proven by the
// server against the root on chain, a "Pay my week" button for a debit that is due
// (the allowance when short, then the settlement's pull, sent by the wallet) and a
// "Collect" button for a credit with something due now (the week's pro-rata payout).
import { api, el, notice, reportError, show, table } from './common.js';
import { exactTokens, runPlan } from './plans.js';

const TITLE = 'Weekly settlement';

function utc(seconds) {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

// The server's next step names the CLI command; here the button does it.
function nextStep(week) {
  if (week.collectable) return `due to you: ${exactTokens(week.credit_due)} capacity tokens`;
  if (!week.payable) return week.next;
  const grace = week.grace_ends_at ? ` (grace until ${utc(week.grace_ends_at)})` : '';
  return `due: ${exactTokens(week.owed)} capacity tokens${grace}`;
}

async function pay(address, week, button) {
  button.disabled = true;
  show('week-status', notice('info', `Checking week ${week.week}'s leaf against the root on chain…`));
  try {
    await runPlan(address, `/v1/web/settlement/${address}/pay-tx`, { week: week.week }, 'week-status');
    await mountSettlement(address);
    show('week-status', notice('ok', `Week ${week.week} paid: ${exactTokens(week.owed)} capacity tokens.`));
  } catch (error) {
    reportError('week-status', error);
    button.disabled = false;
  }
}

async function collect(address, week, button) {
  button.disabled = true;
  show('week-status', notice('info', `Checking week ${week.week}'s leaf against the root on chain…`));
  try {
    await runPlan(address, `/v1/web/settlement/${address}/collect-tx`, { week: week.week }, 'week-status');
    await mountSettlement(address);
    show('week-status', notice('ok', `Week ${week.week}: collected ${exactTokens(week.credit_due)} capacity tokens.`));
  } catch (error) {
    reportError('week-status', error);
    button.disabled = false;
  }
}

function payButton(address, week) {
  if (week.collectable) {
    const button = el('button', { type: 'button', class: 'collect-week', 'data-week': week.week }, `Collect (${exactTokens(week.credit_due)})`);
    button.onclick = () => collect(address, week, button);
    return button;
  }
  if (!week.payable) return null;
  const label = week.status === 'defaulted' ? 'Cure default' : 'Pay my week';
  const button = el('button', { type: 'button', class: 'pay-week', 'data-week': week.week }, `${label} (${exactTokens(week.owed)})`);
  button.onclick = () => pay(address, week, button);
  return button;
}

export async function mountSettlement(address) {
  const status = document.getElementById('week-status');
  const kept = status ? [...status.childNodes] : [];
  try {
    const s = await api(`/v1/web/settlement/${address}`);
    const due = s.weeks.filter((w) => w.payable);
    show('weekly', el('h2', {}, TITLE),
      el('p', { class: 'muted' }, `Each week's net amount is settled on chain against the week's Merkle root once its challenge window has passed. Capacity tokens in your wallet: ${exactTokens(s.wallet)}.`),
      due.length ? notice('warning', `You owe ${due.map((w) => `${exactTokens(w.owed)} capacity tokens for week ${w.week}`).join(', ')}.`) : null,
      s.weeks.length === 0 ? el('p', { class: 'muted' }, 'No settled weeks with a leaf of yours yet.') : table(
        ['week', { label: 'amount (tokens)', num: true }, 'status', { label: 'done (tokens)', num: true }, 'next', ''],
        s.weeks.map((w) => [w.week, exactTokens(w.amount), w.status, exactTokens(w.done),
          nextStep(w), payButton(address, w)]),
      ),
      el('div', { id: 'week-status' }, kept));
  } catch (error) {
    show('weekly', el('h2', {}, TITLE), notice('error', `Settlement unavailable: ${error.message}`));
  }
}
