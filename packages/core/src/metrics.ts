import type { Attributes, Counter, Histogram, Meter, UpDownCounter } from '@opentelemetry/api';
import { loadApi, otelApi } from './otel.js';
import type { ServerStats } from './server-types.js';

/**
 * The server's metrics, on `@opentelemetry/api`: free when no SDK is
 * registered (the API's no-op meter, or {@link NO_METRICS} when nothing was
 * registered with the API at all), and read by whatever exporter the app
 * registers (Prometheus, OTLP, …). Names and attributes are listed in
 * docs/guides/operations.md.
 */
export interface ServerMetrics {
  connected(transport: string, delta: 1 | -1): void;
  handshake(transport: string, recovered: boolean | undefined): void;
  eventReceived(transport: string): void;
  pushed(): void;
  batchSent(transport: string, events: number): void;
  error(code: string): void;
  replay(recovered: boolean): void;
  /** A WebSocket closed, with this code (1005 when none was given). */
  closed(code: number): void;
  /** A client came on the other transport: a fallback to Ajax, or back to WebSocket. */
  transportSwitch(from: string, to: string): void;
  /** A credential refresh or expiry: `refreshed` (same uid), `moved` (new uid), `refused`, `expired`. */
  credentials(outcome: string): void;
  /** A request's reply went out, `ms` after the request arrived. */
  replied(transport: string, ms: number): void;
  /**
   * False when reply times go nowhere (the meter records nothing: no SDK was
   * registered when the server was made): then no clock is read for them.
   */
  readonly timesReplies: boolean;
}

const nothing = (): void => {};

/**
 * The metrics of a server made while nothing was registered with
 * `@opentelemetry/api` and given no meter: what the API's no-op meter would
 * record, nothing, without loading the API (the global meter provider is
 * read once, when the server is made, as the API's own `getMeter` would).
 */
const NO_METRICS: ServerMetrics = {
  connected: nothing,
  handshake: nothing,
  eventReceived: nothing,
  pushed: nothing,
  batchSent: nothing,
  error: nothing,
  replay: nothing,
  closed: nothing,
  transportSwitch: nothing,
  credentials: nothing,
  replied: nothing,
  timesReplies: false,
};

const ATTRS = {
  ws: Object.freeze({ transport: 'ws' }),
  ajax: Object.freeze({ transport: 'ajax' }),
} as Readonly<Record<string, Attributes>>;
const attrsOf = (transport: string): Attributes => ATTRS[transport] ?? { transport };

/** The metrics of a server, on `meter` (by default the global one). `stats` feeds the gauges when they are read. */
export function createMetrics(stats: () => ServerStats, given?: Meter): ServerMetrics {
  const registered = otelApi();
  if (given === undefined && registered === undefined) return NO_METRICS;
  const api = registered ?? loadApi();
  const meter = given ?? api.metrics.getMeter('@sente/core');
  /** The histogram a meter that records nothing makes (the API's no-op meter). */
  const noopHistogram = api.createNoopMeter().createHistogram('sente.noop');
  const connections: UpDownCounter = meter.createUpDownCounter('sente.connections', { description: 'Clients connected now (tabs, devices), by transport' });
  const handshakes: Counter = meter.createCounter('sente.handshakes', { description: 'Handshakes, by transport and recovery outcome' });
  const events: Counter = meter.createCounter('sente.events.received', { description: 'Events received from clients, by transport' });
  const pushes: Counter = meter.createCounter('sente.pushes', { description: 'Pushes to a uid (a broadcast counts once per uid)' });
  const batches: Counter = meter.createCounter('sente.batches.sent', { description: 'Push batches handed to clients, by transport' });
  const batchSize: Histogram = meter.createHistogram('sente.batch.size', { description: 'Events per push batch', unit: '{event}' });
  const errors: Counter = meter.createCounter('sente.errors', { description: 'Problems reported to onError, by code: rejections, bad input, overflows, limits' });
  const replays: Counter = meter.createCounter('sente.replays', { description: 'Reconnects with a position, by outcome (recovered or not)' });
  const closes: Counter = meter.createCounter('sente.ws.closes', { description: 'WebSockets closed, by close code' });
  const switches: Counter = meter.createCounter('sente.transport.switches', { description: 'Clients that came on the other transport: fallbacks (ws→ajax) and re-upgrades (ajax→ws)' });
  const credentials: Counter = meter.createCounter('sente.credentials', { description: 'Credential refreshes and expiries, by outcome (refreshed, moved, refused, expired)' });
  const replyTime: Histogram = meter.createHistogram('sente.reply.duration', { description: 'Time from a client request to its reply, by transport', unit: 'ms' });
  const gauges = {
    queuedBatches: meter.createObservableGauge('sente.queue.batches', { description: 'Push batches queued for clients' }),
    queuedBytes: meter.createObservableGauge('sente.queue.bytes', { description: 'Bytes of the push batches queued for clients', unit: 'By' }),
    pendingReplies: meter.createObservableGauge('sente.replies.pending', { description: 'Ajax requests waiting for a handler\'s reply' }),
    loggedPushes: meter.createObservableGauge('sente.log.entries', { description: 'Pushes held in the push log for replay' }),
    timers: meter.createObservableGauge('sente.timers', { description: 'Live timers of the server' }),
    messageIds: meter.createObservableGauge('sente.message_ids', { description: 'Message ids remembered (with their replies) so that retries are handled once' }),
  };
  meter.addBatchObservableCallback((result) => {
    const s = stats();
    result.observe(gauges.queuedBatches, s.queuedBatches);
    result.observe(gauges.queuedBytes, s.queuedBytes);
    result.observe(gauges.pendingReplies, s.pendingReplies);
    result.observe(gauges.loggedPushes, s.loggedPushes);
    result.observe(gauges.timers, s.timers);
    result.observe(gauges.messageIds, s.messageIds);
  }, Object.values(gauges));
  return {
    connected: (transport, delta) => connections.add(delta, attrsOf(transport)),
    handshake: (transport, recovered) =>
      handshakes.add(1, { transport, recovered: recovered === undefined ? 'none' : String(recovered) }),
    eventReceived: (transport) => events.add(1, attrsOf(transport)),
    pushed: () => pushes.add(1),
    batchSent: (transport, n) => {
      batches.add(1, attrsOf(transport));
      batchSize.record(n, attrsOf(transport));
    },
    error: (code) => errors.add(1, { code }),
    replay: (recovered) => replays.add(1, { recovered: String(recovered) }),
    closed: (code) => closes.add(1, { code }),
    transportSwitch: (from, to) => switches.add(1, { from, to }),
    credentials: (outcome) => credentials.add(1, { outcome }),
    replied: (transport, ms) => replyTime.record(ms, attrsOf(transport)),
    // A clock read is not free (on some hosts a system call): a request pays for none it does not need.
    timesReplies: replyTime !== noopHistogram,
  };
}
