/**
 * Findings that are known defects of issue 7 ("Defects to fix on the way"),
 * being fixed in the core and adapter rewrite. The harness still tries every
 * one and reports what it sees; the CI test holds these ids out of its
 * assertions. When a fix lands, delete its lines: the CI test then asserts it.
 */
export const KNOWN_DEFECT_CASES: readonly string[] = [
  // Security: a push to a client id reaches another uid connected with the same client id.
  'identity/shared-client-id-ws@express',
  'identity/shared-client-id-ws@fastify',
  'identity/shared-client-id-ws@koa',
  'identity/shared-client-id-ws@node',
  'identity/shared-client-id-ws@uws',
  'identity/shared-client-id-ajax@express',
  'identity/shared-client-id-ajax@fastify',
  'identity/shared-client-id-ajax@koa',
  'identity/shared-client-id-ajax@node',
  'identity/shared-client-id-ajax@uws',
  // A WebSocket upgrade to a wrong path is never answered (Express, Koa, and the bare Node adapter too)…
  'upgrade/wrong-path@express',
  'upgrade/wrong-path@koa',
  'upgrade/wrong-path@node',
  // …and a client that then resets the connection takes the server process down (same fix: answer 404, own the socket).
  'crash/upgrade-wrong-path@express',
  'crash/upgrade-wrong-path@koa',
  'crash/upgrade-wrong-path@node',
  // …and the unanswered socket holds the server's close.
  'close-hang/upgrade-wrong-path@express',
  'close-hang/upgrade-wrong-path@koa',
  'close-hang/upgrade-wrong-path@node',
  // Fastify answers 404 to other methods where the docs say 405.
  'ajax/other-method@fastify',
  // Memory is unbounded for slow consumers: a socket that never reads is not closed with 1013 and its pushes are held…
  'faults/slow-consumer-ws@express',
  'faults/slow-consumer-ws@fastify',
  'faults/slow-consumer-ws@koa',
  'faults/slow-consumer-ws@node',
  'faults/slow-consumer-ws@uws',
  // …and a slow poller's queue is counted in batches, not bytes.
  'faults/slow-poller@express',
  'faults/slow-poller@fastify',
  'faults/slow-poller@koa',
  'faults/slow-poller@node',
  'faults/slow-poller@uws',
  // uWS maxBackpressure: a socket over the bound is no longer written to, nor closed.
  'faults/uws-max-backpressure@uws',
  // An aborted POST body is reported with a different code per adapter.
  'faults/aborted-post-code@express',
  'faults/aborted-post-code@fastify',
  'faults/aborted-post-code@koa',
  'faults/aborted-post-code@node',
  'faults/aborted-post-code@uws',
];

/**
 * Defects this harness found that issue 7 does not list; reported with a
 * reproduction, not fixed here (the core and adapters are being rewritten).
 * Held out of the CI assertions like the known ones until fixed.
 */
export const NEW_DEFECT_CASES: readonly string[] = [
  // uWS accepts a WebSocket upgrade with any Sec-WebSocket-Version, or none (RFC 6455 §4.2.2: 426 and the supported version).
  'upgrade/bad-version@uws',
  // uWS never answers a WebSocket upgrade sent as HTTP/1.0, and keeps the connection open.
  'upgrade/http-1.0@uws',
  // Rare (once in 12,480 framing cases of the full run): after an unmasked frame uWS neither closed
  // the socket nor answered the ping that followed within 2 s.
  'ws-framing/unmasked@uws',
  // Under concurrent hostile load on other servers of the same process, a good long-polling client
  // sometimes never sees the last pushes sent to its uid (no ERR_SENTE_QUEUE_OVERFLOW/UNDELIVERED
  // reported); seen on Express, Fastify and Koa, not reproduced with one server alone. Under investigation.
  'damage/ajax-pushes-missing@express',
  'damage/ajax-pushes-missing@fastify',
  'damage/ajax-pushes-missing@koa',
  'damage/ajax-pushes-missing@node',
  'damage/ajax-pushes-missing@uws',
];

/**
 * Known defects whose trial can take the whole server process down: while
 * they are in {@link KNOWN_DEFECT_CASES} they are tried in a process of their
 * own, so that the rest of the run still measures something.
 */
export const ISOLATED_WHILE_KNOWN: readonly string[] = ['upgrade/wrong-path'];

/** True for a finding held out of the CI assertions: a known defect, or a new one reported and not fixed yet. */
export function isKnownDefect(id: string): boolean {
  return KNOWN_DEFECT_CASES.includes(id) || NEW_DEFECT_CASES.includes(id);
}

/** True when `<cls>/<kind>@<adapter>` is tried apart from the main run. */
export function isolated(clsKind: string, adapter: string): boolean {
  return ISOLATED_WHILE_KNOWN.includes(clsKind) && isKnownDefect(`${clsKind}@${adapter}`);
}
