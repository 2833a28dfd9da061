import { afterEach, describe } from 'vitest';
import { json } from '@sente/packer-json';
import type { Packer } from '@sente/core';
import { Harness } from './harness.js';
import { Wire } from './wire.js';
import { TRANSPORT_NAMES } from './peer.js';
import { handshakeCases } from './cases/handshake.js';
import { ajaxReplyCases, wsReplyCases } from './cases/replies.js';
import { mixedPushCases, pushCases } from './cases/push.js';
import { keepAliveCases } from './cases/keep-alive.js';
import { longPollCases } from './cases/long-poll.js';
import { closeUserCases, uidportCases } from './cases/uidport.js';
import { securityCases } from './cases/security.js';
import { credentialsCases } from './cases/credentials.js';
import { ajaxBadInputCases, clientIdCases, wsBadInputCases } from './cases/bad-input.js';
import { lifecycleCases } from './cases/lifecycle.js';
import { clientCases } from './cases/client.js';
import { deliveryCases } from './cases/delivery.js';
import { clientIdClashCases } from './cases/client-id-clash.js';
import { ajaxQueueBoundCases, wsBackpressureCases } from './cases/backpressure.js';
import { ajaxRawRequestCases, wrongPathUpgradeCases } from './cases/raw-requests.js';
import type { ConformanceFactory } from './harness.js';
import type { CaseContext } from './cases/context.js';
import type { Transport } from './peer.js';

/** Options of {@link runAdapterConformance}. */
export interface AdapterConformanceOptions {
  /** The packers to run every case with. @default [json] */
  packers?: readonly Packer[] | undefined;
}

/**
 * Defines the conformance suite of a Sente server adapter: vitest `describe`
 * and `it` blocks that drive servers from `factory` with raw protocol clients
 * over WebSocket and Ajax, for each packer, and check the exact frames,
 * statuses and close codes of Sente 1.21's protocol.
 *
 * @example
 * ```ts
 * // packages/my-adapter/test/conformance.test.ts
 * import { runAdapterConformance } from '@sente/adapter-conformance';
 * runAdapterConformance('my-adapter', async (options) => {
 *   const sente = mySente(options);
 *   const port = await sente.listen(0, '127.0.0.1');
 *   return { url: `http://127.0.0.1:${port}/chsk`, server: sente.server, close: () => sente.close() };
 * });
 * ```
 */
export function runAdapterConformance(adapterName: string, factory: ConformanceFactory, options: AdapterConformanceOptions = {}): void {
  const packers = options.packers ?? [json];
  describe(`${adapterName} adapter conformance`, () => {
    for (const packer of packers) {
      describe(`packer ${packer.name}`, () => {
        const harness = new Harness(factory, new Wire(packer));
        afterEach(() => harness.dispose());
        const ctx: CaseContext = { harness, wire: harness.wire };
        for (const transport of ['ws', 'ajax'] as const) {
          describe(TRANSPORT_NAMES[transport], () => transportCases(ctx, transport));
        }
        describe('both transports', () => {
          mixedPushCases(ctx);
          clientIdClashCases(ctx, 'ws', 'ajax');
        });
        describe('@sente/client', () => clientCases(ctx));
      });
    }
  });
}

function transportCases(ctx: CaseContext, transport: Transport): void {
  describe('handshake', () => handshakeCases(ctx, transport));
  describe('replies', () => (transport === 'ws' ? wsReplyCases(ctx) : ajaxReplyCases(ctx)));
  describe('server push', () => {
    pushCases(ctx, transport);
    clientIdClashCases(ctx, transport, transport);
  });
  describe('backpressure', () => (transport === 'ws' ? wsBackpressureCases(ctx) : ajaxQueueBoundCases(ctx)));
  describe('nothing lost', () => deliveryCases(ctx, transport));
  if (transport === 'ws') describe('keep-alive', () => keepAliveCases(ctx));
  else describe('long-poll', () => longPollCases(ctx));
  describe('connected uids', () => {
    uidportCases(ctx, transport);
    closeUserCases(ctx, transport);
  });
  describe('security', () => securityCases(ctx, transport));
  describe('live credentials', () => credentialsCases(ctx, transport));
  describe('bad input', () => {
    if (transport === 'ws') {
      wsBadInputCases(ctx);
      wrongPathUpgradeCases(ctx);
    } else {
      ajaxBadInputCases(ctx);
      ajaxRawRequestCases(ctx);
    }
    clientIdCases(ctx, transport);
  });
  describe('lifecycle', () => lifecycleCases(ctx, transport));
}
