// Plans: the server checks an action against the chain and answers its transactions in
// order (an approval first when an allowance is short); the wallet sends them one by one.
import { api, el, kv, notice, sendTransaction, show } from './common.js';

// POST `path` (with `body`), then send every step from `address`, reporting in `statusId`.
export async function runPlan(address, path, body, statusId) {
  const plan = await api(path, { method: 'POST', body });
  for (const [k, step] of plan.steps.entries()) {
    show(statusId, notice('info', `Confirm in your wallet (${k + 1}/${plan.steps.length}): ${step.description}`),
      facts(plan));
    await sendTransaction(address, step);
  }
  return plan;
}

// The facts the plan rests on (label, value), as the CLI shows them before confirming.
export function facts(plan) {
  return el('div', { class: 'plan-facts' }, kv(plan.facts));
}

// Wei (a decimal string) as tokens, exactly, as the CLI prints them: "1,681.68".
export function exactTokens(wei) {
  const big = BigInt(wei);
  const abs = big < 0n ? -big : big;
  const whole = (abs / 10n ** 18n).toLocaleString('en-US');
  const fraction = (abs % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return `${big < 0n ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
