/**
 * A random UUID v4 string. `crypto.randomUUID` exists only in secure contexts
 * (a page served over plain http from a LAN address has none), so this falls
 * back to `crypto.getRandomValues`, then to `Math.random`.
 */
export function randomUuid(): string {
  const c = (globalThis as { crypto?: Partial<Crypto> }).crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  // A random byte for each of the 31 hex digits that are not the version's.
  const b = typeof c?.getRandomValues === 'function' ? c.getRandomValues(new Uint8Array(31)) : undefined;
  let i = 0;
  // Version 4, and the variant's two top bits 10 (y: 8 to b). `&` drops Math.random's fraction.
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (d) => {
    const r = b ? (b[i++] as number) : Math.random() * 16;
    return (d < 'y' ? r & 15 : (r & 3) | 8).toString(16);
  });
}
