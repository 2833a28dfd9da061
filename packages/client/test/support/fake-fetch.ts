import type { FetchInit, FetchLike, ResponseLike } from '../../src/index.js';

/** One request the client made through {@link FakeFetch}. */
export interface FakeRequest {
  readonly url: URL;
  readonly init: FetchInit;
  /** True once the client aborted it. */
  aborted: boolean;
  /** True once answered or failed. */
  settled: boolean;
  /** Answers with `status`, `body` and `headers`. */
  respond(body: string | Uint8Array, status?: number, headers?: Record<string, string>): void;
  /** Fails as a network error does. */
  fail(error?: unknown): void;
}

/** A fetch double: every call waits until the test answers it. */
export class FakeFetch {
  readonly requests: FakeRequest[] = [];

  readonly fetch: FetchLike = (url, init) =>
    new Promise<ResponseLike>((resolve, reject) => {
      const req: FakeRequest = {
        url: new URL(url),
        init,
        aborted: false,
        settled: false,
        respond(body, status = 200, headers = {}) {
          req.settled = true;
          const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
          resolve({
            ok: status >= 200 && status < 300,
            status,
            text: async () => new TextDecoder().decode(bytes),
            arrayBuffer: async () => bytes.slice().buffer,
            body: null,
            headers: new Headers(headers),
          });
        },
        fail(error = new TypeError('fetch failed')) {
          req.settled = true;
          reject(error);
        },
      };
      init.signal.addEventListener('abort', () => {
        if (req.settled) return;
        req.aborted = true;
        reject(new DOMException('This operation was aborted', 'AbortError'));
      });
      this.requests.push(req);
    });

  get last(): FakeRequest {
    const r = this.requests.at(-1);
    if (r === undefined) throw new Error('no request was made');
    return r;
  }

  /** Requests not yet answered or aborted, by method. */
  open(method: 'GET' | 'POST'): FakeRequest[] {
    return this.requests.filter((r) => r.init.method === method && !r.aborted && !r.settled);
  }
}

/** Lets promise callbacks (fetch answers) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}
