import { createSenteServer } from '@sente/core';
import { json } from '@sente/packer-json';
import type { Packer, SenteServer, SenteServerOptions } from '@sente/core';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { nodeRequest, splitUrl } from './request.js';
import { openAjaxChannel, writeResponse } from './ajax.js';
import { attachUpgrade } from './upgrade.js';
import type { AttachUpgradeOptions, UpgradeHandle } from './upgrade.js';

/** Options shared by the Node adapters: the server's, plus where and how to mount it. */
export type NodeSenteOptions<Raw> = Omit<SenteServerOptions<Raw>, 'packer'> & {
  /** Must match the clients' packer. @default json (from @sente/packer-json) */
  packer?: Packer | undefined;
  /** The one path of the Ajax GET/POST and the WebSocket upgrade. @default '/chsk' */
  path?: string | undefined;
  /** Options for `ws`'s server, e.g. `perMessageDeflate`. @default {} */
  wsOptions?: AttachUpgradeOptions<Raw>['wsOptions'];
};

/** Creates the server of a Node adapter from its options. */
export function createNodeServer<Raw>(options: NodeSenteOptions<Raw>): { server: SenteServer<Raw>; path: string } {
  const { path = '/chsk', wsOptions: _ws, packer = json, ...rest } = options;
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError('Option "path" must start with "/".');
  return { server: createSenteServer<Raw>({ ...rest, packer }), path };
}

/**
 * Serves one Ajax request (GET or POST) on a Node response; false when the
 * request is not for `path`.
 */
export function handleAjax<Raw>(
  server: SenteServer<Raw>,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  raw: Raw,
  session?: unknown,
): Promise<void> | false {
  if (splitUrl((req as { originalUrl?: string }).originalUrl ?? req.url).pathname !== path) return false;
  return server.handle(nodeRequest(req, raw, false, session), {
    respond: (r) => writeResponse(res, r),
    acceptAjax: (open) => openAjaxChannel(res, open),
    acceptWebSocket: () => writeResponse(res, { status: 400, body: 'Bad request' }),
  });
}

/** Sente on a bare Node `http.Server`. */
export interface SenteHttp {
  /** The channel socket server: `send`, `connectedUids`, `startRouter`, … */
  readonly server: SenteServer<IncomingMessage>;
  /** The request listener: serves Sente's path, calls `next` (or answers 404) for others. */
  readonly listener: (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;
  /** Handles WebSocket upgrades to Sente's path on `httpServer`. */
  attach(httpServer: HttpServer): UpgradeHandle;
  /** Closes the Sente server gracefully, then its sockets. */
  close(): Promise<void>;
}

/**
 * Sente on Node's own `http` module, with `ws`: the smallest adapter, and the
 * model for writing others.
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import { senteHttp } from '@sente/node';
 * const sente = senteHttp({ userId: (req) => req.query['user'] });
 * const httpServer = http.createServer(sente.listener).listen(3000);
 * sente.attach(httpServer);
 * ```
 */
export function senteHttp(options: NodeSenteOptions<IncomingMessage> = {}): SenteHttp {
  const { server, path } = createNodeServer(options);
  const handles: UpgradeHandle[] = [];
  return {
    server,
    listener(req, res, next) {
      if (handleAjax(server, path, req, res, req) !== false) return;
      if (next) return next();
      writeResponse(res, { status: 404, body: 'Not found' });
    },
    attach(httpServer) {
      const h = attachUpgrade(httpServer, server, { path, wsOptions: options.wsOptions });
      handles.push(h);
      return h;
    },
    async close() {
      await server.close();
      for (const h of handles.splice(0)) h.detach();
    },
  };
}
