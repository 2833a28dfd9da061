import { WebSocket } from 'ws';
import { createSenteClient } from '@sente/client';
import type { SenteClient, SenteClientOptions } from '@sente/client';
import type { Packer, SenteError, SenteServer, SenteServerOptions, ServerEventMsg, ServerStats } from '@sente/core';
import { RawAjaxClient } from './ajax-client.js';
import { RawWsClient } from './ws-client.js';
import { until } from './wait.js';
import type { RawAjaxOptions } from './ajax-client.js';
import type { RawWsOptions, UpgradeRejected } from './ws-client.js';
import type { Wire } from './wire.js';

/** A server under test, as an adapter's factory starts it. */
export interface ConformanceServer {
  /** The Sente path's URL, `http://127.0.0.1:PORT/chsk`. */
  url: string;
  /** The channel socket server behind the adapter. */
  server: SenteServer<any>;
  /** Closes the adapter: the Sente server gracefully, then its HTTP server and every socket. */
  close(): Promise<void>;
}

/** The options the suite passes to a factory: every server option, the packer always set. */
export type ConformanceServerOptions = Omit<SenteServerOptions<any>, 'packer'> & { packer: Packer };

/** Starts an adapter's server on 127.0.0.1, port 0, with the given options, mounted on `/chsk`. */
export type ConformanceFactory = (options: ConformanceServerOptions) => Promise<ConformanceServer>;

/** The suite's timing: short, so that keep-alive, long-polls and grace periods play out in a test. */
export const TIMING = {
  sendBufMsWs: 10,
  sendBufMsAjax: 10,
  lpTimeoutMs: 300,
  wsKaliveMs: 400,
  wsPingTimeoutMs: 200,
  msAllowReconnectBeforeCloseWs: 200,
  msAllowReconnectBeforeCloseAjax: 300,
  closeTimeoutMs: 2000,
} as const;

/** An event a router received, and when. */
export interface Received {
  readonly msg: ServerEventMsg<any>;
  readonly at: number;
}

/** The stats of a server holding nothing. */
export const EMPTY_STATS: ServerStats = { wsClients: 0, ajaxClients: 0, timers: 0, bufferedBatches: 0, queuedBatches: 0, queuedBytes: 0, pendingReplies: 0, loggedPushes: 0, serverRequests: 0, messageIds: 0 };

/** One server under test, with a router that records every event and the clients the test opened. */
export class TestServer {
  /** Every event the router received, in order. */
  readonly received: Received[] = [];
  private readonly wsClients: RawWsClient[] = [];
  private readonly ajaxClients: RawAjaxClient[] = [];
  private readonly clients: SenteClient[] = [];
  /** Errors the real clients reported. */
  readonly clientErrors: unknown[] = [];
  /** The app's event handler; tests set it. */
  handler: (msg: ServerEventMsg<any>) => void = () => {};

  constructor(
    readonly adapter: ConformanceServer,
    readonly wire: Wire,
    /** Every error reported to `onError`. */
    readonly errors: readonly SenteError[],
  ) {
    adapter.server.startRouter((msg) => {
      this.received.push({ msg, at: Date.now() });
      this.handler(msg);
    });
  }

  get url(): string {
    return this.adapter.url;
  }

  get server(): SenteServer<any> {
    return this.adapter.server;
  }

  /** The codes of the errors reported to `onError`, in order. */
  errorCodes(): string[] {
    return this.errors.map((e) => e.code);
  }

  stats(): ServerStats {
    return this.server.stats();
  }

  /** The events with id `id` the router received (for `chsk/uidport-*`, optionally only those of `uid`). */
  eventsOf(id: string, uid?: string): ServerEventMsg<any>[] {
    return this.received.filter((r) => r.msg.id === id && (uid === undefined || r.msg.uid === uid)).map((r) => r.msg);
  }

  /** Waits for the router to receive an event matching `pred`. */
  async event(pred: (msg: ServerEventMsg<any>) => boolean, what: string): Promise<Received> {
    return until(() => this.received.find((r) => pred(r.msg)), what);
  }

  /** Waits for `chsk/uidport-open` or `-close` of `uid`. */
  uidport(kind: 'open' | 'close', uid: string): Promise<Received> {
    return this.event((m) => m.id === `chsk/uidport-${kind}` && m.data === uid, `chsk/uidport-${kind} of ${uid}`);
  }

  /** Opens a raw WebSocket client and waits for its handshake; closed after the test. */
  ws(options: RawWsOptions = {}): Promise<RawWsClient> {
    return RawWsClient.open(this.url, this.wire, options, (c) => this.wsClients.push(c));
  }

  /** Opens a raw WebSocket that the server must refuse; gives the refusal. */
  wsRejected(options: RawWsOptions = {}): Promise<UpgradeRejected> {
    return RawWsClient.rejected(this.url, this.wire, options, (c) => this.wsClients.push(c));
  }

  /** A raw Ajax client (nothing is sent yet); its requests are aborted after the test. */
  ajax(options: RawAjaxOptions = {}): RawAjaxClient {
    const c = new RawAjaxClient(this.url, this.wire, options);
    this.ajaxClients.push(c);
    return c;
  }

  /**
   * A real `@sente/client` (on `ws`, and `node:http` for Ajax, as on Node) with the suite's packer; disconnected after the test.
   * `url` points it elsewhere (a proxy in front of the server).
   */
  client(options: SenteClientOptions = {}, url: string = this.url): SenteClient {
    const c = createSenteClient(url, null, {
      WebSocket,
      packer: this.wire.packer,
      onError: (e) => this.clientErrors.push(e),
      ...options,
    });
    this.clients.push(c);
    return c;
  }

  /** Drops every client the test opened. */
  async disconnectAll(): Promise<void> {
    for (const c of this.clients) c.disconnect();
    await Promise.all([...this.wsClients.map((c) => c.terminate()), ...this.ajaxClients.map((c) => c.stopPolling())]);
  }
}

/**
 * Starts servers for the cases of one packer and closes them, and every
 * client the case opened, after each case.
 */
export class Harness {
  private readonly servers: TestServer[] = [];

  constructor(
    private readonly factory: ConformanceFactory,
    readonly wire: Wire,
  ) {}

  /**
   * Starts a server with the suite's timing, `userId` reading the `uid`
   * query parameter, no CSRF check, and `overrides`.
   */
  async start(overrides: Omit<Partial<ConformanceServerOptions>, 'packer'> = {}): Promise<TestServer> {
    const errors: SenteError[] = [];
    const adapter = await this.factory({
      ...TIMING,
      userId: (req) => req.query['uid'],
      csrfToken: null,
      onError: (e) => errors.push(e),
      ...overrides,
      packer: this.wire.packer,
    });
    const t = new TestServer(adapter, this.wire, errors);
    this.servers.push(t);
    return t;
  }

  /**
   * Closes one server now (its clients stay as they are), as `dispose` would;
   * resolves once the adapter's close did.
   */
  async stop(t: TestServer): Promise<void> {
    const i = this.servers.indexOf(t);
    if (i === -1) return;
    this.servers.splice(i, 1);
    try {
      await t.adapter.close();
    } finally {
      await t.disconnectAll();
    }
  }

  /** Closes every client, then every server, of the case that just ran. */
  async dispose(): Promise<void> {
    const servers = this.servers.splice(0);
    await Promise.all(servers.map((s) => s.disconnectAll()));
    await Promise.all(servers.map((s) => s.adapter.close()));
  }
}

/** How many TCP sockets this process holds open (listening servers are not sockets). */
export function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}
