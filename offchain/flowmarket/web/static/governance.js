// Governance page: the governor's proposals with state and tallies; delegate and vote
// through the wallet (the server prepares calldata, the wallet sends the transaction);
// propose typed parameter changes with the form of `proposal_form.js`.
import { api, connectWallet, el, kv, notice, reportError, sendTransaction, show, short, tokens } from './common.js';
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

async function vote(proposal, support, button) {
  button.disabled = true;
  try {
    const tx = await api(`/v1/web/governance/proposals/${proposal.proposal_id}/vote-tx`, { method: 'POST', body: { support } });
    show('status', notice('info', `Confirm in your wallet: ${tx.description}`));
    await sendTransaction(state.address, tx);
    show('status', notice('ok', `Vote recorded on chain: ${tx.description}.`));
    await load();
  } catch (error) {
    reportError('status', error);
    button.disabled = false;
  }
}

function proposalCard(p) {
  const voted = state.voter && state.voter.voted[p.proposal_id];
  const canVote = state.voter && p.state === 'Active' && !voted;
  return el('section', { class: 'card proposal', 'data-proposal': p.proposal_id },
    el('h2', {}, el('span', { class: `badge ${p.state}` }, p.state), ' ', p.description),
    kv([
      ['proposal', el('span', { class: 'mono' }, short(p.proposal_id, 8))],
      ['proposer', el('span', { class: 'mono' }, p.proposer)],
      ['voting', `blocks ${p.snapshot_block + 1} – ${p.deadline_block}`],
      ['actions', el('div', {}, p.actions.map((a) => el('div', { class: 'mono' }, `${a.contract || short(a.target)}.${a.call}`)))],
    ]),
    tally(p),
    state.voter ? el('div', { class: 'row', style: 'margin-top:8px' },
      voted ? el('span', { class: 'badge' }, 'you voted') : null,
      canVote ? SUPPORT.map(([label, support]) => {
        const button = el('button', { class: support === 1 ? '' : 'secondary', 'data-support': label });
        button.textContent = label;
        button.onclick = () => vote(p, support, button);
        return button;
      }) : null,
      !voted && p.state !== 'Active' ? el('span', { class: 'muted' }, `voting is closed while the proposal is ${p.state}`) : null) : null);
}

async function delegate() {
  try {
    const tx = await api(`/v1/web/governance/delegate-tx/${state.address}`, { method: 'POST' });
    await sendTransaction(state.address, tx);
    show('status', notice('ok', 'Votes delegated to yourself.'));
    await load();
  } catch (error) {
    reportError('status', error);
  }
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
      el('button', { id: 'delegate-button', onclick: delegate }, 'Delegate to myself'))
    : null];
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
