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
 * reproduction, not fixed here (the core and adapters are being rewritten).
 * Held out of the CI assertions like the known ones until fixed.
 */
export const NEW_DEFECT_CASES: readonly string[] = [];

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
