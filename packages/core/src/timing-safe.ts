/**
 * Compares two strings in time that depends only on their lengths, so a CSRF
 * token cannot be guessed byte by byte from response times. Runs in browsers
 * and Node alike.
 */
export function timingSafeEqual(a: string, b: string): boolean {
  const n = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}
