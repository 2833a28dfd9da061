import { randomBytes } from 'node:crypto';
import { BROADCAST, PUBLISH, PUBLISH_TO_CLIENT, READ, run } from './scripts.js';
import type { Redis } from 'ioredis';
import type { PushLogLimits } from '@sente/core';
import type { RawEntry } from './codec.js';

/** The names of everything the backplane keeps in Redis, under one prefix. */
export class Keys {
  constructor(readonly prefix: string) {}
  meta(uid: string): string {
    return `${this.prefix}:{${uid}}:meta`;
  }
  log(uid: string): string {
    return `${this.prefix}:{${uid}}:log`;
  }
  logs(): string {
    return `${this.prefix}:logs`;
  }
  /** The pub/sub channel of a uid's pushes. */
  push(uid: string): string {
    return `${this.prefix}:{${uid}}:push`;
  }
  /** The channel of broadcasts, which every node subscribes to. */
  broadcast(): string {
    return `${this.prefix}:broadcast`;
  }
  /** The uid of a {@link push} channel, or undefined. */
  uidOfPush(channel: string): string | undefined {
    const head = `${this.prefix}:{`;
    return channel.startsWith(head) && channel.endsWith('}:push') ? channel.slice(head.length, -6) : undefined;
  }
  client(clientId: string): string {
    return `${this.prefix}:client:${clientId}`;
  }
  node(nodeId: string): string {
    return `${this.prefix}:node:${nodeId}`;
  }
  presence(): string {
    return `${this.prefix}:presence`;
  }
}

/** A new epoch: 12 random letters and digits (a client's position must match `[A-Za-z0-9_-]{1,64}`). */
export function newEpoch(): string {
  return randomBytes(9).toString('base64url');
}

/**
 * How often (ms) a uid's TTLs are set again by its pushes: an eighth of the
 * shorter of the age window and the position TTL. Each TTL is set to its
 * bound plus this, so that it outlasts the last use by at least its bound.
 */
export function refreshEvery(limits: PushLogLimits): number {
  return Math.max(1, Math.floor(Math.min(limits.maxAgeMs, limits.positionTtlMs) / 8));
}

/** What a read of a uid's log gives. */
export interface LogRead {
  readonly epoch: string;
  readonly top: number;
  /** Redis's time of the read, ms. */
  readonly now: number;
  readonly entries: RawEntry[];
}

/**
 * The push log's writes and reads, shared by the backplane and the emitter:
 * one script per push (logged and published atomically, so that publish
 * order is log order on every node); one script and one message per broadcast.
 */
export class LogStore {
  constructor(
    private readonly redis: Redis,
    readonly keys: Keys,
    readonly limits: PushLogLimits,
    /** True to publish with SPUBLISH. */
    private readonly sharded: () => boolean,
  ) {}

  private args(): (string | number)[] {
    const { maxEntries, maxAgeMs, positionTtlMs } = this.limits;
    return [newEpoch(), maxEntries, maxAgeMs, positionTtlMs, refreshEvery(this.limits), this.sharded() ? '1' : '0'];
  }

  /** Logs and publishes `body` for `uid`; resolves with its offset. */
  publish(uid: string, body: string): Promise<number> {
    return run(this.redis, PUBLISH, 0, this.keys.prefix, uid, body, ...this.args()) as Promise<number>;
  }

  /** As {@link publish}, to the uid holding `clientId`: 0 when none does, -1 when two uids claim it. */
  publishToClient(clientId: string, body: string): Promise<number> {
    return run(this.redis, PUBLISH_TO_CLIENT, 1, this.keys.client(clientId), this.keys.prefix, body, ...this.args()) as Promise<number>;
  }

  /**
   * Logs `body` for every connected uid and every uid with a live log, and
   * publishes it once on the broadcast channel with their offsets; resolves with their number.
   */
  broadcast(body: string): Promise<number> {
    return run(this.redis, BROADCAST, 0, this.keys.prefix, body, ...this.args()) as Promise<number>;
  }

  /** The position of `uid`'s log, and its entries after `since` (none when `since` is -1). */
  async read(uid: string, since: number): Promise<LogRead> {
    const k = this.keys;
    const r = (await run(this.redis, READ, 3, k.meta(uid), k.log(uid), k.logs(), uid, newEpoch(), this.limits.positionTtlMs, since, this.limits.maxEntries + 1, refreshEvery(this.limits))) as [
      string,
      number,
      number,
      RawEntry[],
    ];
    return { epoch: r[0], top: Number(r[1]), now: Number(r[2]), entries: r[3] };
  }

  /** Closes a uid's connections on every node holding it (ordered after the pushes published before). */
  closeUser(uid: string): Promise<unknown> {
    return this.redis.call(this.sharded() ? 'SPUBLISH' : 'PUBLISH', this.keys.push(uid), 'c\n');
  }
}

/** True when the server (INFO server) is Redis 7 or later, which has sharded pub/sub. */
export async function supportsSharded(redis: Redis): Promise<boolean> {
  const info = await redis.info('server');
  const m = /redis_version:(\d+)/.exec(info);
  return m !== null && Number(m[1]) >= 7;
}
