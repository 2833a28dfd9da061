import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestPath, systemClock, textResponse, timingSafeEqual } from '@sente/core';
import type { Backplane, Clock, MountOptions, Router, SenteContract, SenteRequest, SenteResponse, SenteServer, ServerEventMsg, TypedSenteServer } from '@sente/core';
import { nodeRequest, writeResponse } from '@sente/node';
import { json } from '@sente/packer-json';
import { Sampler } from './sampler.js';
import { ClusterView } from './cluster.js';
import { createTally } from './tally.js';
import { pageHtml, pageScript } from './page.js';
import { INSPECTOR_EVENTS } from './snapshot.js';
import type { InspectorProbe } from './probe.js';

type MaybePromise<T> = T | Promise<T>;

/** Options of {@link createInspector}. */
export interface InspectorOptions<Raw = unknown> {
  /**
   * Who may see the inspector: called with the page request and with every
   * request of the feed. Anything but `true` (or a throw) answers 403. Without it, everyone is refused.
   * @default undefined (403 for everyone)
   */
  authorize?: ((req: SenteRequest<Raw>) => MaybePromise<boolean>) | undefined;
  /** Where the page is served; the script is at `<path>/inspector.js`, the feed at `<path>/chsk`. @default '/inspector' */
  path?: string | undefined;
  /**
   * The app server's probe (see {@link createInspectorProbe}): without it the
   * page shows events in per second and the server's counts, but not pushes,
   * batches, replays or errors.
   * @default undefined
   */
  probe?: InspectorProbe | undefined;
  /** How often a snapshot is taken and pushed to the viewers, while there are any. At least 1000 with a `backplane`. @default 1000 */
  intervalMs?: number | undefined;
  /**
   * The backplane the app server was given (`options.backplane`): the page
   * then lists every node of the cluster (each node's counts, rates, queues
   * and errors) and their total. Each node's inspector sends its sample on
   * the backplane's side channel (`publishTopic`, topic
   * `sente-inspector/samples`) once per interval while someone watches on
   * any node; a node not heard from for 3 intervals leaves the list. A
   * backplane without the side channel gives this node's view only.
   * @default undefined (this node's view)
   */
  backplane?: Backplane | undefined;
  /** The most clients a snapshot lists (the count is always exact). @default 500 */
  maxClients?: number | undefined;
  /** Whether the page shows each client's remote address. @default false */
  showRemoteAddress?: boolean | undefined;
  /**
   * The actions the page offers: `disconnect` closes every connection of a
   * uid (`server.closeUser`), `testPush` pushes `['sente-inspector/test', { at }]` to it.
   * @default {} (read-only)
   */
  actions?: { disconnect?: boolean | undefined; testPush?: boolean | undefined } | undefined;
  /** The page's title. @default 'Sente inspector' */
  title?: string | undefined;
  /** Time and timers. @default the system clock */
  clock?: Clock | undefined;
}

/** An inspector of one app server: mount its feed with the app's adapter, serve its page, then {@link Inspector.serve}. */
export interface Inspector<Raw = unknown> {
  /** The page's path. */
  readonly path: string;
  /**
   * The options of the feed, a second Sente server for the page's viewers:
   * pass them to the app's adapter (`senteExpress(inspector.feedOptions)`),
   * which mounts it at `<path>/chsk`.
   */
  readonly feedOptions: MountOptions<Raw>;
  /** Starts streaming to the viewers of `feed` (the server the adapter made from {@link feedOptions}). */
  serve(feed: SenteServer<Raw>): void;
  /** Answers a GET of the page (`path`) or of its script (`<path>/inspector.js`); `undefined` for any other path. */
  page(req: SenteRequest<Raw>, path: string): Promise<SenteResponse | undefined>;
  /** {@link page} as Node/Express/Koa-style middleware: answers its two paths, calls `next` (if any) for the rest. */
  readonly nodeHandler: (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;
  /** True while someone watches: only then does the sampling timer run. */
  readonly watching: boolean;
  /** Stops sampling and the routers it started (the feed server is the adapter's to close). */
  close(): void;
}

const VIEWER_UID = 'sente-inspector/viewer';
const forbidden = (): SenteResponse => textResponse(403, 'Forbidden');

/**
 * Creates the inspector of `server`: a read-only page and a live feed, behind
 * `authorize`. Nothing runs until someone watches: then a snapshot is taken
 * every `intervalMs` and pushed to the viewers.
 *
 * @example
 * ```ts
 * const probe = createInspectorProbe();
 * const sente = senteExpress({ ...probe.serverOptions, userId });
 * const inspector = createInspector(sente.server, { probe, authorize: (req) => req.remoteAddress === '127.0.0.1' });
 * const feed = senteExpress(inspector.feedOptions);
 * inspector.serve(feed.server);
 * app.use(inspector.nodeHandler, feed.middleware, sente.middleware);
 * const http = app.listen(3000);
 * sente.attach(http);
 * feed.attach(http);
 * ```
 */
export function createInspector<Raw = unknown, C extends SenteContract = SenteContract>(
  appServer: SenteServer<Raw> | TypedSenteServer<Raw, C>,
  options: InspectorOptions<Raw> = {},
): Inspector<Raw> {
  // A typed server is the same object; the inspector only pushes its own test event, outside the contract.
  const server = appServer as SenteServer<Raw>;
  const path = (options.path ?? '/inspector').replace(/\/+$/, '');
  if (!path.startsWith('/')) throw new TypeError('@sente/inspector: option "path" must start with "/"');
  const intervalMs = options.intervalMs ?? 1000;
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs < 10)
    throw new TypeError('@sente/inspector: option "intervalMs" must be a number of at least 10');
  const clock = options.clock ?? systemClock;
  const bp = options.backplane;
  const shared = bp?.publishTopic !== undefined && bp.subscribeTopic !== undefined ? bp : undefined;
  if (shared !== undefined && intervalMs < 1000) throw new TypeError('@sente/inspector: with a backplane, option "intervalMs" must be at least 1000');
  const feedPath = `${path}/chsk`;
  const scriptPath = `${path}/inspector.js`;
  const authorize = options.authorize ?? (() => false);
  const allowed = async (req: SenteRequest<Raw>): Promise<boolean> => {
    try {
      return (await authorize(req)) === true;
    } catch {
      return false;
    }
  };
  // One token per process, handed only to authorized viewers in the page: a
  // page of another origin cannot read it, so it cannot drive the actions.
  const csrfToken = randomBytes(24).toString('base64url');
  const actions = { disconnect: options.actions?.disconnect === true, testPush: options.actions?.testPush === true };
  const routers: Router[] = [];
  // No probe: a router counts events in (one addition per event), the rest is unknown.
  const own = options.probe === undefined ? createTally() : undefined;
  if (own !== undefined) {
    routers.push(
      server.startRouter((msg) => {
        if (!msg.id.startsWith('chsk/')) own.eventsIn += 1;
      }),
    );
  }
  const tally = options.probe?.tally ?? own ?? createTally();
  let feed: SenteServer<Raw> | undefined;
  let unwatch: (() => void) | undefined;
  /** True while this node's feed has viewers. */
  let watchedHere = false;
  // Samples are taken while someone watches here, or on another node (its samples say so).
  const follow = (): void => (watchedHere || cluster?.watchedElsewhere === true ? sampler.start() : sampler.stop());
  const cluster =
    shared === undefined
      ? undefined
      : new ClusterView(shared as Required<Pick<Backplane, 'nodeId' | 'publishTopic' | 'subscribeTopic'>>, clock, 3 * intervalMs, () => follow());
  const sampler = new Sampler({
    server,
    tally,
    probed: options.probe !== undefined,
    intervalMs,
    maxClients: options.maxClients ?? 500,
    showRemoteAddress: options.showRemoteAddress === true,
    actions,
    clock,
    publish: (snapshot) => {
      if (watchedHere) feed?.send(VIEWER_UID, [INSPECTOR_EVENTS.snapshot, snapshot], { flush: true });
      else follow();
    },
    cluster: cluster === undefined ? undefined : (own, advance) => cluster.share({ nodeId: cluster.nodeId, watched: watchedHere, ...own }, advance),
  });

  const onViewerEvent = (msg: ServerEventMsg<Raw>): void => {
    const uid = typeof msg.data === 'object' && msg.data !== null ? (msg.data as { uid?: unknown }).uid : undefined;
    switch (msg.id) {
      case INSPECTOR_EVENTS.hello:
        msg.reply?.(sampler.current());
        return;
      case INSPECTOR_EVENTS.disconnect:
        if (!actions.disconnect || typeof uid !== 'string') return void msg.reply?.({ ok: false, error: 'not allowed' });
        server.closeUser(uid);
        msg.reply?.({ ok: true });
        return;
      case INSPECTOR_EVENTS.testPush:
        if (!actions.testPush || typeof uid !== 'string') return void msg.reply?.({ ok: false, error: 'not allowed' });
        server.send(uid, [INSPECTOR_EVENTS.test, { at: clock.now() }], { flush: true });
        msg.reply?.({ ok: true });
        return;
    }
  };

  const page = async (req: SenteRequest<Raw>, reqPath: string): Promise<SenteResponse | undefined> => {
    if (reqPath !== path && reqPath !== scriptPath) return undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') return textResponse(405, 'Method Not Allowed');
    if (!(await allowed(req))) return forbidden();
    const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' };
    if (reqPath === scriptPath) return { status: 200, headers: { ...headers, 'content-type': 'text/javascript; charset=utf-8' }, body: await pageScript() };
    const html = pageHtml({ title: options.title ?? 'Sente inspector', scriptPath, feedPath, csrfToken });
    return { status: 200, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' }, body: html };
  };

  return {
    path,
    feedOptions: {
      path: feedPath,
      packer: json,
      userId: () => VIEWER_UID,
      // The app's hook runs before every other check (origin, CSRF): a viewer it
      // refuses learns nothing but 403, on the handshake, the polls and the upgrade.
      reject: async (req) => ((await allowed(req)) ? undefined : forbidden()),
      validateCsrf: (_req, token) => token !== undefined && timingSafeEqual(token, csrfToken),
      // A viewer that comes back needs the next snapshot, not the missed ones.
      replay: { maxEntries: 1, maxAgeMs: 5000 },
    },
    serve(f) {
      if (feed !== undefined) throw new Error('@sente/inspector: serve() was already called');
      feed = f;
      routers.push(f.startRouter(onViewerEvent));
      const viewers = (): void => {
        watchedHere = f.connectedUids.any.size > 0;
        follow();
      };
      unwatch = f.watchConnectedUids(viewers);
      cluster?.listen();
      viewers();
    },
    page,
    get watching() {
      return sampler.running;
    },
    nodeHandler(req, res, next) {
      const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url;
      const p = requestPath(url);
      if (p !== path && p !== scriptPath) return void next?.();
      page(nodeRequest(req, req as unknown as Raw, false), p).then(
        (r) => (r === undefined ? next?.() : void writeResponse(res, r)),
        () => void writeResponse(res, textResponse(500, 'Internal Server Error')),
      );
    },
    close() {
      sampler.stop();
      cluster?.close();
      unwatch?.();
      for (const r of routers) r.stop();
    },
  };
}
