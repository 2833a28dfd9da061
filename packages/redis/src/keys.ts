import { randomBytes } from 'node:crypto';
import { BROADCAST, PUBLISH, PUBLISH_TO_CLIENT, READ, TOUCH, run } from './scripts.js';
import type { Redis } from 'ioredis';
import type { PushLogLimits } from '@sente/core';

/** The names of everything the backplane keeps in Redis, under one prefix. */
export class Keys {
  constructor(readonly prefix: string) {}
  meta(uid: string): string {
    return `${this.prefix}:{${uid}}:meta`;
  }
  log(uid: string): string {
    return `${this.prefix}:{${uid}}:log`;
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
  /** The uid's own pushes so far. */
  readonly own: number;
  /** The broadcast log's generation and its top sequence. */
  readonly generation: string;
  readonly bseq: number;
  /** The entries after the offset read from, in log order (none when the log no longer holds what follows it). */
  readonly entries: ReadEntry[];
}

/** An entry of a uid's log, as a read gives it. */
export interface ReadEntry {
  readonly offset: number;
  /** When it was logged (Redis's time, ms). */
  readonly at: number;
  readonly body: string;
}

/**
 * The push log's writes and reads, shared by the backplane and the emitter:
 * one script per push (logged and published atomically, so that publish
 * order is log order on every node); one script, one entry and one message
 * per broadcast, whatever the number of uids (scripts.ts, `UID_META`).
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
   * Logs `body` once, in the log of every uid with a live position, and
   * publishes it once on the broadcast channel; resolves with the number of
   * uids connected in the cluster when `count` (which reads them all), else its sequence.
   */
  broadcast(body: string, count = false): Promise<number> {
    return run(this.redis, BROADCAST, 0, this.keys.prefix, body, ...this.args(), count ? '1' : '0') as Promise<number>;
  }

  /** The position of `uid`'s log, and its entries after `since` (none when `since` is -1). */
  async read(uid: string, since: number): Promise<LogRead> {
    const r = (await run(this.redis, READ, 0, this.keys.prefix, uid, newEpoch(), this.limits.positionTtlMs, since, this.limits.maxEntries + 1, refreshEvery(this.limits))) as [
      string,
      number,
      number,
      number,
      number,
      string,
      (string | number)[],
    ];
    const flat = r[6];
    const entries: ReadEntry[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) entries.push({ offset: Number(flat[i]), at: Number(flat[i + 1]), body: String(flat[i + 2]) });
    return { epoch: r[0], top: Number(r[1]), now: Number(r[2]), own: Number(r[3]), bseq: Number(r[4]), generation: r[5], entries };
  }

  /** Sets the TTL of the logs' positions of `uids` (the uids a node holds) to `ttlMs` again. */
  touch(uids: string[], ttlMs: number): Promise<unknown> {
    return run(this.redis, TOUCH, uids.length, ...uids.map((u) => this.keys.meta(u)), ttlMs);
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
