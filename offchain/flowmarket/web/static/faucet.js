// The local market's faucet on the participant page: on a local chain only (the API's
// domain is chain 31337 or 1337), a card with "Get test tokens" that asks
// POST /v1/faucet to send 10 ETH and mint capacity tokens to the connected wallet, as
// `flowmarket faucet ADDRESS` does. The collateral panel is then read again.
import { api, connectWallet, el, notice, reportError, show } from '/static/common.js';

const LOCAL_CHAIN_IDS = [31337, 1337];

async function give() {
  const button = document.getElementById('faucet-button');
  button.disabled = true;
  try {
    const { address } = await connectWallet();
    const tokens = document.getElementById('faucet-tokens').value.trim() || '10000';
    show('faucet-result', notice('info', `Asking the faucet for ${address}…`));
    const grant = await api('/v1/faucet', { method: 'POST', body: { address, tokens } });
    const eth = Number(BigInt(grant.eth_wei) / 10n ** 15n) / 1000;
    show('faucet-result', notice('ok',
      `Sent ${eth} ETH and ${tokens} capacity tokens to ${grant.address} on chain ${grant.chain_id}.`));
    document.getElementById('connect-button').click(); // read the collateral panel again
  } catch (error) {
    reportError('faucet-result', error);
  } finally {
    button.disabled = false;
  }
}

async function main() {
  const domain = await api('/v1/domain');
  if (!LOCAL_CHAIN_IDS.includes(domain.chain_id)) return;
  const card = el('section', { class: 'card', id: 'faucet' },
    el('h2', {}, 'Test tokens'),
    el('p', { class: 'muted' },
      `This market runs on a local chain (id ${domain.chain_id}): its faucet gives a wallet `
      + '10 ETH for gas and capacity tokens to deposit as collateral and trade with.'),
    el('div', { class: 'row' },
      el('label', {}, 'capacity tokens ',
        el('input', { id: 'faucet-tokens', class: 'small', value: '10000', inputmode: 'decimal' })),
      el('button', { id: 'faucet-button', type: 'button', onclick: give }, 'Get test tokens')),
    el('div', { id: 'faucet-result' }));
  document.getElementById('connect').after(card);
}

main().catch((error) => reportError('status', error));
