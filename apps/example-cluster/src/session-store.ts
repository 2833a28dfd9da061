import session from 'express-session';
import type { SessionData } from 'express-session';
import type { Redis } from 'ioredis';

/** How long a session lives without a request, when its cookie sets no max age. */
const DEFAULT_TTL_S = 24 * 60 * 60;

/**
 * An express-session store on Redis, so that every process of the cluster
 * sees the same sessions: the balancer sends a browser's requests anywhere.
 * (A production app would take a maintained store such as `connect-redis`;
 * this one is small enough to read.)
 */
export class RedisSessionStore extends session.Store {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'example:session:',
  ) {
    super();
  }

  private ttl(sess: SessionData): number {
    const maxAge = sess.cookie.maxAge;
    return typeof maxAge === 'number' && maxAge > 0 ? Math.ceil(maxAge / 1000) : DEFAULT_TTL_S;
  }

  override get(sid: string, cb: (err: unknown, sess?: SessionData | null) => void): void {
    this.redis.get(this.prefix + sid).then(
      (text) => cb(null, text === null ? null : (JSON.parse(text) as SessionData)),
      (e: unknown) => cb(e),
    );
  }

  override set(sid: string, sess: SessionData, cb?: (err?: unknown) => void): void {
    this.redis.set(this.prefix + sid, JSON.stringify(sess), 'EX', this.ttl(sess)).then(
      () => cb?.(),
      (e: unknown) => cb?.(e),
    );
  }

  override touch(sid: string, sess: SessionData, cb?: () => void): void {
    this.redis.expire(this.prefix + sid, this.ttl(sess)).then(
      () => cb?.(),
      () => cb?.(),
    );
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.redis.del(this.prefix + sid).then(
      () => cb?.(),
      (e: unknown) => cb?.(e),
    );
  }
}
