import { Redis } from 'ioredis';
import { senteError } from '@sente/core';
import { checkPush, checkUid } from '@sente/core/internal';
import { json } from '@sente/packer-json';
import { encodeBody } from './codec.js';
import { Keys, LogStore, supportsSharded } from './keys.js';
import { DEFAULT_REPLAY, positive } from './options.js';
import type { ClientAddress, SenteEvent } from '@sente/core';
import type { RedisEmitterOptions } from './options.js';

/** Pushes to a Sente cluster's users from a process that runs no server. */
export interface RedisEmitter {
  /**
   * Pushes `event` to every client of `uid`, logged and ordered with the
   * servers' pushes; resolves once logged. `sente/all-users-without-uid`
   * reaches the clients without a uid, as on a server.
   */
  send(uid: string | number, event: SenteEvent): Promise<void>;
  /**
   * Pushes `event` to one client. A client id alone reaches it only while a
   * single uid holds it (rejects with `ERR_SENTE_CLIENT_ID_CLASH` when two do);
   * a client no server holds gets nothing.
   */
  sendToClient(client: string | ClientAddress, event: SenteEvent): Promise<void>;
  /** Pushes `event` to every uid connected in the cluster, and every uid with a live log; resolves with the number of uids connected in the cluster. */
  broadcast(event: SenteEvent): Promise<number>;
  /** Closes every connection of `uid`, on every server. */
  closeUser(uid: string | number): Promise<void>;
  /** Waits for what was sent, then closes the connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Creates an emitter: pushes from a worker or a cron job, through the same
 * Lua script as the servers (logged in the uid's stream, published on its
 * channel), so they are ordered with the servers' pushes and replayed like them.
 * Give it the servers' `prefix`, `packer` and `replay` options. Errors reject
 * the call (`ERR_SENTE_BACKPLANE_UNAVAILABLE` while Redis is unreachable for
 * the connection's retries).
 *
 * @example
 * ```ts
 * import { createRedisEmitter } from '@sente/redis';
 * const emitter = createRedisEmitter({ url: 'redis://127.0.0.1:6379', prefix: 'chat' });
 * await emitter.send('alice', ['app/notice', { text: 'hi' }]);
 * await emitter.close();
 * ```
 */
export function createRedisEmitter(options: RedisEmitterOptions = {}): RedisEmitter {
  const keys = new Keys(options.prefix ?? 'sente');
  const packer = options.packer ?? json;
  const r = options.replay ?? {};
  const limits = {
    maxEntries: positive('replay.maxEntries', r.maxEntries, DEFAULT_REPLAY.maxEntries),
    maxBytes: positive('replay.maxBytes', r.maxBytes, DEFAULT_REPLAY.maxBytes),
    maxAgeMs: positive('replay.maxAgeMs', r.maxAgeMs, DEFAULT_REPLAY.maxAgeMs),
    positionTtlMs: positive('replay.positionTtlMs', r.positionTtlMs, DEFAULT_REPLAY.positionTtlMs),
  };
  const redis = new Redis(options.url ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 20 });
  redis.on('error', () => undefined);
  let sharded: boolean | undefined = options.pubsub === 'sharded' ? true : options.pubsub === 'classic' ? false : undefined;
  const log = new LogStore(redis, keys, limits, () => sharded === true);
  let connecting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const ready = async (): Promise<LogStore> => {
    if (closing !== undefined) throw senteError('ERR_SENTE_CLOSED', 'The emitter is closed');
    connecting ??= (async () => {
      if (redis.status === 'wait') await redis.connect();
      sharded ??= await supportsSharded(redis);
    })();
    try {
      await connecting;
    } catch (e) {
      connecting = undefined;
      throw senteError('ERR_SENTE_BACKPLANE_UNAVAILABLE', `Cannot reach Redis: ${String((e as Error)?.message ?? e)}`, e);
    }
    return log;
  };
  const run = async <T>(f: (l: LogStore) => Promise<T>): Promise<T> => {
    const l = await ready();
    try {
      return await f(l);
    } catch (e) {
      throw senteError('ERR_SENTE_BACKPLANE_UNAVAILABLE', `Redis refused: ${String((e as Error)?.message ?? e)}`, e);
    }
  };
  return {
    async send(uid, event) {
      const target = checkUid(uid);
      const body = encodeBody(packer, checkPush(event), undefined);
      await run((l) => l.publish(target, body));
    },
    async sendToClient(client, event) {
      const wire = checkPush(event);
      if (typeof client !== 'string') {
        const target = checkUid(client.uid);
        const body = encodeBody(packer, wire, client.clientId);
        await run((l) => l.publish(target, body));
        return;
      }
      const body = encodeBody(packer, wire, client);
      const sent = await run((l) => l.publishToClient(client, body));
      if (sent === -1) throw senteError('ERR_SENTE_CLIENT_ID_CLASH', 'A push to a client id that two uids hold was not sent: address it with { uid, clientId }');
    },
    async broadcast(event) {
      const body = encodeBody(packer, checkPush(event), undefined);
      return run((l) => l.broadcast(body, true));
    },
    async closeUser(uid) {
      const target = checkUid(uid);
      await run((l) => l.closeUser(target));
    },
    close() {
      closing ??= (async () => {
        if (redis.status === 'ready') await redis.quit().catch(() => undefined);
        redis.disconnect();
      })();
      return closing;
    },
  };
}
