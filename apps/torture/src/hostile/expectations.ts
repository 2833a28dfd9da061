/**
 * Which answers to hostile input are findings: what the protocol, RFC 6455
 * or the security pipeline forbids. Everything else is only counted.
 */

/** Frames RFC 6455 says a server must fail the connection on (§5.2, §5.4, §5.5, §8.1). */
const MUST_FAIL_FRAMES = new Set(['bad-opcode', 'rsv-bits', 'unmasked', 'fragmented-control', 'oversized-control', 'orphan-continuation', 'interleaved-data', 'invalid-utf8-text']);

/** Upgrades that must be refused: they fail a check Sente makes, or name another path. */
const MUST_REFUSE_UPGRADES = new Set(['wrong-path', 'missing-client-id', 'overlong-client-id', 'blank-client-id', 'bad-csrf', 'missing-csrf', 'wrong-origin', 'lowercase-method', 'post-upgrade', 'missing-key', 'bad-version']);

/** POSTs that must not reach the router (a 200 means they did). */
const MUST_REFUSE_POSTS = new Set(['post-missing-csrf', 'post-wrong-csrf', 'post-wrong-origin', 'post-bogus-client-id', 'post-missing-payload', 'post-huge-body', 'get-missing-client-id', 'get-bogus-client-id']);

/** Standard methods Sente's path does not serve: the docs promise 405. */
const OTHER_METHODS = new Set(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']);

/** Why `answer` to a case of `cls`/`kind` is wrong, or undefined when it is acceptable. */
export function judge(cls: string, kind: string, answer: string, request?: Buffer): string | undefined {
  if (answer === 'hang') return 'no answer and no close within the deadline';
  if (/^5\d\d$/.test(answer) || /^http 5\d\d$/.test(answer) || /^upgrade 5\d\d$/.test(answer)) return `answered ${answer} to bad input`;
  if (cls === 'ws-framing' && MUST_FAIL_FRAMES.has(kind) && answer === 'open') return 'kept the socket open after a frame RFC 6455 requires failing';
  if (cls === 'upgrade' && MUST_REFUSE_UPGRADES.has(kind) && answer === '101') return 'accepted an upgrade it must refuse';
  if (cls === 'ajax' && MUST_REFUSE_POSTS.has(kind) && answer === '200') return 'served a request it must refuse';
  if (cls === 'ajax' && kind === 'other-method' && request !== undefined) {
    const method = request.subarray(0, request.indexOf(' ')).toString('latin1');
    if (OTHER_METHODS.has(method) && answer !== '405') return `answered ${answer} to ${method}, where the docs promise 405`;
  }
  if (cls === 'identity' && answer === 'leaked') return "a push to one user's client id reached another user with the same client id";
  return undefined;
}
