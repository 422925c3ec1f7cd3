// Proposal form: a parameter change as typed fields (the same changes as `flowmarket
// governance propose`), never raw calldata. The server turns them into the timelock's
// calls, simulates each as the timelock would execute it, and answers the `propose`
// transaction; the wallet sends it. Empty fields leave a parameter as it is.
import { el, notice, reportError, show } from './common.js';
import { facts, runPlan } from './plans.js';

const BPS_FIELDS = [
  ['fee_bps', 'market fee (bps)'],
  ['holder_share_bps', "holders' share of fees (bps)"],
  ['initial_margin_bps', 'initial margin (bps)'],
  ['deviation_margin_bps', 'deviation margin (bps)'],
  ['warning_buffer_bps', 'warning buffer (bps)'],
];
// The clearing interval, in minutes (a whole number dividing 60), as the CLI's
// `--clearing-interval MINUTES`; it applies from the next hour boundary on.
const INTERVAL_FIELD = ['clearing_interval_minutes', 'clearing interval (minutes)'];
// The clearing engine's version, as the CLI's `--clearing-engine N`; from the next hour
// boundary on. The server refuses an engine this release does not run.
const ENGINE_FIELD = ['clearing_engine', 'clearing engine (version)'];
const ADDRESS_FIELDS = [['oracle', 'new oracle address'], ['treasury', 'new treasury address']];

function field(name, label, attrs = {}) {
  return el('label', { class: 'field' }, el('span', { class: 'muted' }, label),
    el('input', { name, id: `proposal-${name.replaceAll('_', '-')}`, ...attrs }));
}

function value(name) {
  return document.getElementById(`proposal-${name.replaceAll('_', '-')}`).value.trim();
}

function draft() {
  const proposal = { description: value('description'), treasury_transfers: [] };
  for (const [name, label] of BPS_FIELDS) {
    const text = value(name);
    if (text === '') continue;
    if (!/^[0-9]+$/.test(text)) throw new Error(`${label}: enter a whole number of basis points`);
    proposal[name] = Number(text);
  }
  const [intervalName, intervalLabel] = INTERVAL_FIELD;
  const minutes = value(intervalName);
  if (minutes !== '') {
    if (!/^[0-9]+$/.test(minutes) || 60 % Number(minutes) !== 0 || Number(minutes) === 0) {
      throw new Error(`${intervalLabel}: enter a whole number of minutes that divides an hour`);
    }
    proposal[intervalName] = Number(minutes);
  }
  const [engineName, engineLabel] = ENGINE_FIELD;
  const engine = value(engineName);
  if (engine !== '') {
    if (!/^[0-9]+$/.test(engine) || Number(engine) === 0) {
      throw new Error(`${engineLabel}: enter a whole version number from 1`);
    }
    proposal[engineName] = Number(engine);
  }
  for (const [name] of ADDRESS_FIELDS) {
    if (value(name) !== '') proposal[name] = value(name);
  }
  const to = value('transfer_to');
  const amount = value('transfer_amount');
  if (to !== '' || amount !== '') proposal.treasury_transfers.push({ to, amount });
  return proposal;
}

async function propose(address, button, onProposed) {
  button.disabled = true;
  show('proposal-status', notice('info', 'Checking the changes against the contracts…'));
  try {
    const plan = await runPlan(address, `/v1/web/governance/propose-tx/${address}`, draft(), 'proposal-status');
    const id = plan.facts.find(([label]) => label === 'proposal id');
    show('proposal-status', notice('ok', `Proposal ${id ? id[1] : ''} created: voting opens after the voting delay.`), facts(plan));
    await onProposed();
  } catch (error) {
    reportError('proposal-status', error);
  } finally {
    button.disabled = false;
  }
}

// Render the form into #propose for `address`; `onProposed` reloads the proposals.
export function mountProposalForm(address, onProposed) {
  const button = el('button', { id: 'propose-button', type: 'button' }, 'Propose');
  button.onclick = () => propose(address, button, onProposed);
  show('propose', el('h2', {}, 'New proposal'),
    el('p', { class: 'muted' }, 'Change market parameters or pay from the treasury. Each change is checked against the contracts as the timelock would execute it before anything is sent; proposing needs the proposal threshold of votes.'),
    el('div', { class: 'row' }, field('description', 'description', { class: 'product', placeholder: 'what and why, shown to voters' })),
    el('div', { class: 'row' }, BPS_FIELDS.map(([name, label]) => field(name, label, { class: 'small', inputmode: 'numeric' }))),
    el('div', { class: 'row' },
      field(INTERVAL_FIELD[0], INTERVAL_FIELD[1], { class: 'small', inputmode: 'numeric', placeholder: '60' }),
      field(ENGINE_FIELD[0], ENGINE_FIELD[1], { class: 'small', inputmode: 'numeric', placeholder: '1' })),
    el('div', { class: 'row' }, ADDRESS_FIELDS.map(([name, label]) => field(name, label, { class: 'product', placeholder: '0x…' }))),
    el('div', { class: 'row' },
      field('transfer_to', 'treasury transfer: to', { class: 'product', placeholder: '0x…' }),
      field('transfer_amount', 'amount (capacity tokens)', { class: 'small', inputmode: 'decimal' })),
    el('div', { class: 'row' }, button),
    el('div', { id: 'proposal-status' }));
}
