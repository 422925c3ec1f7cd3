// Governance page: the governor's proposals with state and tallies; delegate (to
// yourself or another account), vote (with a reason or not), queue a succeeded proposal
// and execute a queued one through the wallet: the server checks each against the chain
// and answers the plan of the `flowmarket governance` command, the wallet sends it.
// Typed parameter changes are proposed with the form of `proposal_form.js`.
import { api, connectWallet, el, kv, notice, reportError, show, short, tokens } from './common.js';
import { runPlan } from './plans.js';
import { mountProposalForm } from './proposal_form.js';

const state = { address: null, voter: null };
const SUPPORT = [['For', 1], ['Against', 0], ['Abstain', 2]];

function tally(p) {
  const values = { for: BigInt(p.votes_for), against: BigInt(p.votes_against), abstain: BigInt(p.votes_abstain) };
  const total = values.for + values.against + values.abstain;
  const width = (v) => (total === 0n ? 0 : Number((v * 10000n) / total) / 100);
  return el('div', {},
    el('div', { class: 'tally' }, ...Object.entries(values).map(([k, v]) => el('span', { class: k, style: `width:${width(v)}%` }))),
    el('span', { class: 'muted tally-text' },
      `for ${tokens(p.votes_for)} · against ${tokens(p.votes_against)} · abstain ${tokens(p.votes_abstain)} · quorum ${tokens(p.quorum)}`));
}

function utc(seconds) {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

// Send the plan of `what` (vote, queue, execute, delegate) and report `done(plan)`.
async function act(what, body, button, done) {
  if (button) button.disabled = true;
  show('status', notice('info', 'Checking against the chain…'));
  try {
    const plan = await runPlan(state.address, `/v1/web/governance/${what}-tx/${state.address}`, body, 'status');
    await load();
    show('status', notice('ok', done(plan)));
  } catch (error) {
    reportError('status', error);
    if (button) button.disabled = false;
  }
}

function vote(proposal, support, button, reasonInput) {
  const body = { proposal_id: proposal.proposal_id, support, reason: reasonInput.value.trim() };
  return act('vote', body, button, (plan) => `Vote recorded on chain: ${plan.steps[0].description}${body.reason ? ` (reason: ${body.reason})` : ''}.`);
}

function lifecycleButton(p) {
  const step = { Succeeded: 'queue', Queued: 'execute' }[p.state];
  if (!step || !state.address) return null;
  const button = el('button', { type: 'button', class: `${step}-button`, 'data-proposal': p.proposal_id }, step === 'queue' ? 'Queue in the timelock' : 'Execute');
  button.onclick = () => act(step, { proposal_id: p.proposal_id }, button,
    () => (step === 'queue' ? `Proposal ${short(p.proposal_id, 8)} queued in the timelock.` : `Proposal ${short(p.proposal_id, 8)} executed.`));
  return button;
}

function proposalCard(p) {
  const voted = state.voter && state.voter.voted[p.proposal_id];
  const canVote = state.voter && p.state === 'Active' && !voted;
  const reasonInput = el('input', { class: 'vote-reason', placeholder: 'reason (optional, recorded on chain)', maxlength: 1000 });
  return el('section', { class: 'card proposal', 'data-proposal': p.proposal_id },
    el('h2', {}, el('span', { class: `badge ${p.state}` }, p.state), ' ', p.description),
    kv([
      ['proposal', el('span', { class: 'mono' }, short(p.proposal_id, 8))],
      ['proposer', el('span', { class: 'mono' }, p.proposer)],
      ['voting', `blocks ${p.snapshot_block + 1} – ${p.deadline_block}`],
      ...(p.eta ? [['executable from', utc(p.eta)]] : []),
      ['actions', el('div', {}, p.actions.map((a) => el('div', { class: 'mono' }, `${a.contract || short(a.target)}.${a.call}`)))],
    ]),
    tally(p),
    state.voter ? el('div', { class: 'row', style: 'margin-top:8px' },
      voted ? el('span', { class: 'badge' }, 'you voted') : null,
      canVote ? reasonInput : null,
      canVote ? SUPPORT.map(([label, support]) => {
        const button = el('button', { class: support === 1 ? '' : 'secondary', 'data-support': label });
        button.textContent = label;
        button.onclick = () => vote(p, support, button, reasonInput);
        return button;
      }) : null,
      lifecycleButton(p),
      !voted && p.state !== 'Active' ? el('span', { class: 'muted' }, `voting is closed while the proposal is ${p.state}`) : null) : null);
}

function delegate(button, to) {
  const body = to ? { delegatee: to } : undefined;
  return act('delegate', body, button, () => (to ? `Votes delegated to ${to}.` : 'Votes delegated to yourself.'));
}

function delegateForm() {
  const input = el('input', { id: 'delegate-to', class: 'product', placeholder: 'address to delegate your votes to (0x…)' });
  const button = el('button', { id: 'delegate-other-button', type: 'button', class: 'secondary' }, 'Delegate votes');
  button.onclick = () => (input.value.trim()
    ? delegate(button, input.value.trim())
    : show('status', notice('error', 'delegatee: enter the address that your votes should go to')));
  return el('div', { class: 'row', style: 'margin-top:8px' }, input, button);
}

function voterInfo(v) {
  // The governance token counts an account that never delegated as its own delegate.
  const own = v.delegate.toLowerCase() === v.address.toLowerCase();
  return [kv([
    ['account', el('span', { class: 'mono' }, v.address)],
    ['governance tokens', tokens(v.balance)],
    ['voting power', el('span', { id: 'votes' }, tokens(v.votes))],
    ['delegate', own ? 'yourself' : el('span', { class: 'mono' }, v.delegate)],
  ]),
  !own && BigInt(v.balance) > 0n
    ? el('div', { style: 'margin-top:8px' }, notice('warning', `Your tokens vote through ${v.delegate}. Take the votes back to vote yourself on proposals created afterwards.`),
      el('button', { id: 'delegate-button', onclick: (event) => delegate(event.target, null) }, 'Delegate to myself'))
    : null,
  BigInt(v.balance) > 0n ? delegateForm() : null];
}

async function load() {
  const gov = await api('/v1/web/governance');
  if (state.address) {
    state.voter = await api(`/v1/web/governance/voters/${state.address}`);
    show('voter-info', voterInfo(state.voter));
  }
  show('governor', el('h2', {}, 'Governor'), kv([
    ['governor', el('span', { class: 'mono' }, gov.governor)],
    ['governance token', el('span', { class: 'mono' }, gov.token)],
    ['current block', gov.block_number],
    ['voting delay · period', `${gov.voting_delay_blocks} · ${gov.voting_period_blocks} blocks`],
  ]));
  show('proposals', gov.proposals.length === 0
    ? el('section', { class: 'card' }, el('p', { class: 'muted' }, 'No proposals yet.'))
    : gov.proposals.map(proposalCard));
  document.body.dataset.ready = 'true';
}

async function connect() {
  try {
    ({ address: state.address } = await connectWallet());
    mountProposalForm(state.address, load);
    await load();
  } catch (error) {
    reportError('status', error);
  }
}

document.getElementById('connect-button').onclick = connect;
load().catch((error) => reportError('status', error));
