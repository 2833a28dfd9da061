/**
 * Blocks that fail today for a reason outside the docs. Each entry is
 * asserted to still fail the way it says, so the lists cannot rot: when the
 * fix lands, its test fails with "passes now: remove it from the list".
 */
export interface ExpectedFailure {
  /** `blockName`: `docs/guides/express.md#1`. */
  readonly block: string;
  readonly reason: string;
  /** Typecheck: exactly these TypeScript error codes. */
  readonly codes?: readonly string[];
  /** Run: the run fails, and its output (a Node process's, or a page's console or errors) contains this. */
  readonly runFails?: string;
}


/** Blocks that are right, and fail only because the library lacks what they use. */
export const PENDING_LIBRARY_FIX: readonly ExpectedFailure[] = [
];

const CLIENT_OPTIONS = 'docs/reference/client-options.md is being rewritten by its owner: a signature, not code, it needs a <!-- fragment --> marker with `declare function`';

/** Blocks of docs that other work rewrites today; they are checked, and fail for now. */
export const PENDING_DOC_REWRITE: readonly ExpectedFailure[] = [
  { block: 'docs/reference/client-options.md#1', reason: CLIENT_OPTIONS },
];

/** The expected typecheck failure of a block, if any. */
export function expectedTypeFailure(block: string): ExpectedFailure | undefined {
  return [...PENDING_LIBRARY_FIX, ...PENDING_DOC_REWRITE].find((f) => f.block === block && f.runFails === undefined);
}

/** The expected run failure of a block, if any. */
export function expectedRunFailure(block: string): ExpectedFailure | undefined {
  return PENDING_LIBRARY_FIX.find((f) => f.block === block && f.runFails !== undefined);
}
