import { MAX_TOPIC_BYTES, isTopic, senteError } from '@sente/core';

/**
 * The listeners of the backplane's side channel (`publishTopic` /
 * `subscribeTopic`), one classic pub/sub channel per topic under the prefix:
 * `<prefix>:topic:<topic>`. Nothing here runs per push.
 */
export class Topics {
  private readonly listeners = new Map<string, Set<(data: unknown) => void>>();

  constructor(
    private readonly prefix: string,
    /** Reports a listener's throw. */
    private readonly failed: (e: unknown) => void,
  ) {}

  /** The channel of `topic`; throws `ERR_SENTE_BAD_OPTION` for an invalid topic. */
  channel(topic: string): string {
    if (!isTopic(topic)) throw senteError('ERR_SENTE_BAD_OPTION', '@sente/redis: a topic is 1 to 64 letters, digits, -, _, . or /');
    return `${this.prefix}:topic:${topic}`;
  }

  /** The channels with listeners (to subscribe again after a reconnect). */
  channels(): string[] {
    return [...this.listeners.keys()];
  }

  /**
   * Adds `listener` to `channel`; `first` is called when it is the channel's
   * first listener, `last` when the returned function removes its last one.
   */
  add(channel: string, listener: (data: unknown) => void, first: () => void, last: () => void): () => void {
    let set = this.listeners.get(channel);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(channel, set);
      first();
    }
    // Each subscription is its own entry, even for the same function.
    const own = (data: unknown): void => listener(data);
    set.add(own);
    return () => {
      const s = this.listeners.get(channel);
      if (s === undefined || !s.delete(own) || s.size > 0) return;
      this.listeners.delete(channel);
      last();
    };
  }

  /** A message on a channel: true when it is a topic's (delivered to its listeners, if it is JSON). */
  deliver(channel: string, text: string): boolean {
    const set = this.listeners.get(channel);
    if (set === undefined) return false;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return true;
    }
    for (const l of [...set]) {
      try {
        l(data);
      } catch (e) {
        this.failed(e);
      }
    }
    return true;
  }

  /** The JSON text of `data`, or undefined when it cannot be sent (not JSON, or too large). */
  static encode(data: unknown): string | undefined {
    let text: string | undefined;
    try {
      text = JSON.stringify(data);
    } catch {
      return undefined;
    }
    if (text === undefined || Buffer.byteLength(text) > MAX_TOPIC_BYTES) return undefined;
    return text;
  }

  clear(): void {
    this.listeners.clear();
  }
}
