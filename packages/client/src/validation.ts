import type { SenteClient } from './client.js';

/** Where a contract made by `defineContract` keeps its validation (see `@sente/core`). */
const VALIDATE_CLIENT = Symbol.for('sente.validate-client');

type Validation = (client: SenteClient, onError: (error: unknown) => void) => SenteClient;

/**
 * The client, validating what it receives when `contract` was made by
 * `defineContract` from schemas. The validation comes with the contract, so
 * that a client without one carries none of it.
 */
export function withContract(client: SenteClient, contract: unknown, onError: (error: unknown) => void): SenteClient {
  const validation = (contract as Record<symbol, unknown> | null | undefined)?.[VALIDATE_CLIENT];
  return typeof validation === 'function' ? (validation as Validation)(client, onError) : client;
}
