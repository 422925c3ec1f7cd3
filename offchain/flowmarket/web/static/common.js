// Shared helpers: the API, the wallet (EIP-1193 `window.ethereum`), formatting, DOM.

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function api(path, { method = 'GET', body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function show(target, ...children) {
  const node = typeof target === 'string' ? document.getElementById(target) : target;
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
  return node;
}

export function notice(kind, text) {
  return el('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

export function fmt(value, digits = 4) {
  if (value === null || value === undefined) return '–';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e7)) return value.toExponential(2);
  return Number(value.toFixed(digits)).toString();
}

export function tokens(wei, digits = 2) {
  // wei: a decimal string (18 decimals) → "1,234.56"
  const big = BigInt(wei);
  const negative = big < 0n;
  const abs = negative ? -big : big;
  const whole = abs / 10n ** 18n;
  const frac = Number(abs % 10n ** 18n) / 1e18;
  const text = (Number(whole) + frac).toLocaleString('en-US', { maximumFractionDigits: digits });
  return negative ? `-${text}` : text;
}

export function hourLabel(hour) {
  return `${new Date(hour * 3600 * 1000).toISOString().slice(0, 13).replace('T', ' ')}:00 UTC`;
}

export function short(hex, keep = 6) {
  return hex && hex.length > 2 * keep + 2 ? `${hex.slice(0, keep + 2)}…${hex.slice(-keep)}` : hex;
}

export function kv(pairs) {
  return el('dl', { class: 'kv' }, pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

export function table(headers, rows) {
  return el('table', {},
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { class: h.num ? 'num' : '' }, h.label ?? h)))),
    el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c, i) =>
      el('td', { class: headers[i].num ? 'num' : '' }, c))))));
}

// ---- wallet (EIP-1193) ---------------------------------------------------------------

function provider() {
  if (!window.ethereum) {
    throw new Error('No wallet found: install or enable an Ethereum wallet (EIP-1193) in this browser');
  }
  return window.ethereum;
}

export async function connectWallet() {
  const [address] = await provider().request({ method: 'eth_requestAccounts' });
  const chainId = parseInt(await provider().request({ method: 'eth_chainId' }), 16);
  const label = document.getElementById('wallet-label');
  if (label) label.textContent = `${short(address, 4)} · chain ${chainId}`;
  return { address, chainId };
}

function utf8Hex(text) {
  return `0x${Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export async function personalSign(address, message) {
  return provider().request({ method: 'personal_sign', params: [utf8Hex(message), address] });
}

export async function signTypedData(address, typedData) {
  return provider().request({ method: 'eth_signTypedData_v4', params: [address, JSON.stringify(typedData)] });
}

export async function sendTransaction(from, tx) {
  const hash = await provider().request({
    method: 'eth_sendTransaction', params: [{ from, to: tx.to, data: tx.data }],
  });
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const receipt = await provider().request({ method: 'eth_getTransactionReceipt', params: [hash] });
    if (receipt) {
      if (receipt.status !== '0x1') throw new Error(`transaction ${hash} reverted`);
      return receipt;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`transaction ${hash} was not mined within a minute`);
}

export async function signIn(address) {
  const challenge = await api('/v1/auth/challenge', { method: 'POST', body: { address } });
  const signature = await personalSign(address, challenge.message);
  const token = await api('/v1/auth/login', { method: 'POST', body: { message: challenge.message, signature } });
  return token.access_token;
}

export function reportError(targetId, error) {
  console.error(error);
  show(targetId, notice('error', error.message || String(error)));
}
