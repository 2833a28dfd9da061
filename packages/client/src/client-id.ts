/**
 * A random UUID v4 string. `crypto.randomUUID` exists only in secure contexts
 * (a page served over plain http from a LAN address has none), so this falls
 * back to `crypto.getRandomValues`, then to `Math.random`.
 */
export function randomUuid(): string {
  const c = (globalThis as { crypto?: Partial<Crypto> }).crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const b = new Uint8Array(16);
  if (typeof c?.getRandomValues === 'function') c.getRandomValues(b);
  // A Uint8Array drops the fraction.
  else for (let i = 0; i < 16; i++) b[i] = Math.random() * 256;
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  let hex = '';
  for (let i = 0; i < 16; i++) {
    hex += (b[i] as number).toString(16).padStart(2, '0');
    if (i === 3 || i === 5 || i === 7 || i === 9) hex += '-';
  }
  return hex;
}
