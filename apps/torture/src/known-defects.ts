/**
 * Findings that are known defects, held out of the CI test's assertions by
 * name while their fix is on its way; the harness still tries every one and
 * reports what it sees. Empty: the defects of issue 7 (client ids shared
 * across uids, wrong-path upgrades, 404 for other methods, unbounded slow
 * consumers and pollers, uWS backpressure, aborted-POST codes) are fixed, and
 * the CI test asserts each of them.
 */
export const KNOWN_DEFECT_CASES: readonly string[] = [];

/**
 * Defects this harness found that issue 7 does not list; reported with a
 * reproduction, and held out of the CI assertions until fixed. (uWS's
 * acceptance of any Sec-WebSocket-Version, found here, is fixed: the core
 * answers 426.)
 */
export const NEW_DEFECT_CASES: readonly string[] = [
  // The pinned uWS build never answers a request sent as HTTP/1.0 (an upgrade, an Ajax GET): its parser takes only
  // HTTP/1.1, no handler runs, and uWS closes the connection silently after its 10 s HTTP timeout.
  'upgrade/http-1.0@uws',
  // Rare (once in 12,480 framing cases of the full run): after an unmasked frame the pinned uWS build neither
  // closed the socket nor answered the ping that followed within 2 s (uWS's parser does not check the mask).
  'ws-framing/unmasked@uws',
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
