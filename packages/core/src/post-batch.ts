import { MAX_POST_EVENTS } from './ids.js';
import { senteError } from './errors.js';
import { decodeEnvelope, envelopes } from './envelope.js';
import { Keyword } from './keyword.js';
import { fromWireEvent } from './event.js';
import { clientEvent } from './inbound.js';
import type { SenteError } from './errors.js';
import type { DecodedEnvelope, EnvelopeExt } from './envelope.js';
import type { HttpExchange } from './adapter.js';
import type { AjaxReplies, ReplyFn } from './ajax-replies.js';
import type { SenteEvent } from './event.js';

const K_B = Keyword.for('b');

/**
 * The event count of a batch POST from its envelope's 3rd element (`{b n}`):
 * undefined when the POST is not a batch, NaN when the count is no positive integer.
 */
export function postBatchCount(ext: unknown): number | undefined {
  let b: unknown;
  if (ext instanceof Map) b = ext.get('b') ?? ext.get(K_B);
  else if (typeof ext === 'object' && ext !== null && Object.hasOwn(ext, 'b')) b = (ext as { b: unknown }).b;
  if (b === undefined || b === null) return undefined;
  return Number.isSafeInteger(b) && (b as number) > 0 ? (b as number) : NaN;
}

/**
 * Reads the content of a batch POST (`[[env1 env2 …] nil {b n}]`, sent only by
 * clients of the extensions): `n` client envelopes, at most
 * {@link MAX_POST_EVENTS}, none a batch itself. Undefined when it is not one:
 * the whole POST is then refused, none of its events handled.
 */
export function readPostBatch(content: unknown, n: number): DecodedEnvelope[] | SenteError {
  if (!Array.isArray(content) || content.length !== n || Number.isNaN(n)) return senteError('ERR_SENTE_BAD_PACKAGE', 'Bad package: a batch POST whose count is not its length');
  if (n > MAX_POST_EVENTS) return senteError('ERR_SENTE_BAD_PACKAGE', `Bad package: over ${MAX_POST_EVENTS} events in one POST`);
  const out: DecodedEnvelope[] = [];
  for (const item of content) {
    const env = decodeEnvelope(item);
    if (env === undefined || (Array.isArray(item) && postBatchCount(item[2]) !== undefined)) return senteError('ERR_SENTE_BAD_PACKAGE', 'Bad package: a batch POST entry is not a Sente envelope');
    out.push(env);
  }
  return out;
}

/**
 * Handles the events of a batch POST in order, each as a one-event POST
 * would be, and answers the POST once with the vector of their answers
 * (a reply, `chsk/dummy-cb-200` for an event that wants none,
 * `chsk/timeout` for a reply that did not come within `lpTimeoutMs`).
 */
export function answerPostBatch(
  replies: AjaxReplies,
  exchange: HttpExchange,
  items: readonly DecodedEnvelope[],
  dispatch: (event: SenteEvent, reply: ReplyFn | undefined, ext: EnvelopeExt | undefined) => void,
  answer: (id: string, value: unknown) => void,
): void {
  replies.openBatch(exchange, items.length, (slots) => {
    const dummy = envelopes.dummyCb200[0];
    for (let i = 0; i < items.length; i++) {
      const env = items[i] as DecodedEnvelope;
      if (env.ext?.r !== undefined) {
        slots.fill(i, dummy);
        answer(env.ext.r, env.content);
        continue;
      }
      const event = clientEvent(fromWireEvent(env.content), env.content);
      if (env.cbId !== null) {
        dispatch(event, slots.reply(i), env.ext);
        continue;
      }
      slots.fill(i, dummy);
      dispatch(event, undefined, env.ext);
    }
  });
}
