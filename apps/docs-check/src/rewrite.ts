/**
 * The only changes made to a quick start before it runs: it listens on port 0
 * of 127.0.0.1 instead of port 3000 of every interface, and a client dials
 * the port the server got. Each returns the code unchanged otherwise, and
 * throws when there was nothing to rewrite (the doc changed shape: look at it).
 */
const LISTEN_RULES: readonly [RegExp, string][] = [
  [/\.listen\(3000\)/g, ".listen(0, '127.0.0.1')"], // Express, Koa, http.Server
  [/\.listen\(\{ port: 3000 \}\)/g, ".listen({ port: 0, host: '127.0.0.1' })"], // fastify
  [/\.listen\('0\.0\.0\.0', 3000,/g, ".listen('127.0.0.1', 0,"], // uWebSockets.js
];

/** A server quick start, listening on port 0 of 127.0.0.1. */
export function listenOnLoopbackPortZero(code: string, where: string): string {
  let out = code;
  for (const [rule, replacement] of LISTEN_RULES) out = out.replace(rule, replacement);
  if (out === code) throw new Error(`${where}: no listen(3000) to move to port 0 of 127.0.0.1`);
  return out;
}

/** A client quick start, dialling `port` on 127.0.0.1. */
export function dialPort(code: string, port: number, where: string): string {
  const out = code.replace(/(http|ws):\/\/(?:127\.0\.0\.1|localhost):3000\b/g, `$1://127.0.0.1:${port}`);
  if (out === code) throw new Error(`${where}: no http://127.0.0.1:3000 URL to point at the server`);
  return out;
}
