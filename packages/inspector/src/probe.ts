import { createNoopMeter } from '@opentelemetry/api';
import type { Attributes, Counter, Histogram, Meter, MetricOptions, UpDownCounter } from '@opentelemetry/api';
import type { ErrorContext, SenteError } from '@sente/core';
import { createTally } from './tally.js';
import type { Tally } from './tally.js';

/** Options of {@link createInspectorProbe}. */
export interface InspectorProbeOptions {
  /**
   * The app's own `onError`: the probe counts each problem by code, then hands it on.
   * @default undefined (counted only)
   */
  onError?: ((error: SenteError, context: ErrorContext) => void) | undefined;
  /**
   * The app's own OpenTelemetry meter: every instrument is created on it too,
   * so that the app's exporter sees what it saw before.
   * @default undefined (the probe's counters only)
   */
  meter?: Meter | undefined;
}

/**
 * What the inspector reads from the app's server: pass its `serverOptions`
 * (a `meter` and an `onError`) to the app's adapter, then the probe to
 * {@link createInspector}.
 */
export interface InspectorProbe {
  /** `{ meter, onError }`, to spread into the app server's options. */
  readonly serverOptions: {
    readonly meter: Meter;
    readonly onError: (error: SenteError, context: ErrorContext) => void;
  };
  /** The counters, as the server bumped them so far. */
  readonly tally: Readonly<Tally>;
}

/**
 * Creates the probe of one app server: an OpenTelemetry meter that keeps the
 * few counters the inspector shows (pushes, batches, replays, handshakes) and
 * an `onError` that counts problems by code, both forwarding to the app's own.
 *
 * @example
 * ```ts
 * const probe = createInspectorProbe({ onError: (e) => log.warn(e) });
 * const sente = senteExpress({ ...probe.serverOptions, userId });
 * const inspector = createInspector(sente.server, { probe, authorize: (req) => req.remoteAddress === '127.0.0.1' });
 * ```
 */
export function createInspectorProbe(options: InspectorProbeOptions = {}): InspectorProbe {
  const tally = createTally();
  const next = options.onError;
  const onError = (error: SenteError, context: ErrorContext): void => {
    tally.errors.set(error.code, (tally.errors.get(error.code) ?? 0) + 1);
    next?.(error, context);
  };
  return { serverOptions: { meter: countingMeter(tally, options.meter ?? createNoopMeter()), onError }, tally };
}

type Bump = (value: number, attributes: Attributes | undefined) => void;

/** What each of the core's instruments (packages/core/src/metrics.ts) adds to the tally; others are ignored. */
function bumpOf(tally: Tally, name: string): Bump | undefined {
  switch (name) {
    case 'sente.events.received':
      return (v) => void (tally.eventsIn += v);
    case 'sente.pushes':
      return (v) => void (tally.pushesOut += v);
    case 'sente.batches.sent':
      return (v) => void (tally.batchesOut += v);
    case 'sente.batch.size':
      return (v) => void (tally.batchedEvents += v);
    case 'sente.handshakes':
      return (v) => void (tally.handshakes += v);
    case 'sente.replays':
      return (v, a) => {
        if (a?.['recovered'] === 'true') tally.replayHits += v;
        else tally.replayMisses += v;
      };
    case 'sente.ws.closes':
      return (v, a) => {
        const code = String(a?.['code'] ?? '?');
        tally.closes.set(code, (tally.closes.get(code) ?? 0) + v);
      };
    case 'sente.transport.switches':
      return (v, a) => {
        if (a?.['to'] === 'ajax') tally.fallbacks += v;
        else tally.reupgrades += v;
      };
    default:
      return undefined;
  }
}

/** A meter whose counters and histograms also bump the tally; everything else is the forward meter's. */
function countingMeter(tally: Tally, forward: Meter): Meter {
  const tee = <I extends Counter | UpDownCounter | Histogram>(name: string, inner: I, method: 'add' | 'record'): I => {
    const bump = bumpOf(tally, name);
    if (bump === undefined) return inner;
    const call = (inner as unknown as Record<string, (v: number, a?: Attributes) => void>)[method]!.bind(inner);
    return {
      [method]: (value: number, attributes?: Attributes) => {
        bump(value, attributes);
        call(value, attributes);
      },
    } as unknown as I;
  };
  return {
    createCounter: (name: string, o?: MetricOptions) => tee(name, forward.createCounter(name, o), 'add'),
    createUpDownCounter: (name: string, o?: MetricOptions) => tee(name, forward.createUpDownCounter(name, o), 'add'),
    createHistogram: (name: string, o?: MetricOptions) => tee(name, forward.createHistogram(name, o), 'record'),
    createGauge: (name: string, o?: MetricOptions) => forward.createGauge(name, o),
    createObservableGauge: (name: string, o?: MetricOptions) => forward.createObservableGauge(name, o),
    createObservableCounter: (name: string, o?: MetricOptions) => forward.createObservableCounter(name, o),
    createObservableUpDownCounter: (name: string, o?: MetricOptions) => forward.createObservableUpDownCounter(name, o),
    addBatchObservableCallback: (cb, observables) => forward.addBatchObservableCallback(cb, observables),
    removeBatchObservableCallback: (cb, observables) => forward.removeBatchObservableCallback(cb, observables),
  };
}
