import { errorResponse, mountSente, senteError } from '@sente/core';
import { jsonForServers, packerForServers } from '@sente/packer-json';
import type { Mount, MountOptions, SenteContract, SenteServer, SenteServerOf } from '@sente/core';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { nodeRequest } from './request.js';
import { httpExchange, writeResponse } from './exchange.js';
import { attachUpgrade } from './upgrade.js';
import type { AttachUpgradeOptions, UpgradeHandle } from './upgrade.js';

/** Options shared by the Node adapters: the server's, plus where and how to mount it. */
export type NodeSenteOptions<Raw, C extends SenteContract = SenteContract> = MountOptions<Raw, C> & {
  /** Options for `ws`'s server, e.g. `perMessageDeflate`. @default {} */
  wsOptions?: AttachUpgradeOptions<Raw>['wsOptions'];
};

/** Mounts the server of a Node adapter from its options (JSON by default). */
export function mountNode<Raw, C extends SenteContract = SenteContract>(options: NodeSenteOptions<Raw, C>): Mount<Raw> {
  const { wsOptions: _ws, ...rest } = options;
  return mountSente<Raw, C>({ ...rest, packer: packerForServers(rest.packer) }, jsonForServers);
}

/** Serves one Ajax request (GET or POST) on a Node response. */
export function serveAjax<Raw>(server: SenteServer<Raw>, req: IncomingMessage, res: ServerResponse, raw: Raw, session?: unknown): Promise<void> {
  return server.handleHttp(nodeRequest(req, raw, false, session), httpExchange(res));
}

/** Sente on a bare Node `http.Server`. */
export interface SenteHttp<C extends SenteContract = SenteContract> {
  /** The channel socket server: `send`, `connectedUids`, `startRouter`, …, typed by the contract `C` when there is one. */
  readonly server: SenteServerOf<IncomingMessage, C>;
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
export function senteHttp<C extends SenteContract = SenteContract>(options: NodeSenteOptions<IncomingMessage, C> = {}): SenteHttp<C> {
  const mount = mountNode(options);
  return {
    server: mount.server as SenteServerOf<IncomingMessage, C>,
    listener(req, res, next) {
      if (mount.matches(req.url)) return void serveAjax(mount.server, req, res, req);
      if (next) return next();
      writeResponse(res, errorResponse(senteError('ERR_SENTE_NOT_FOUND')));
    },
    attach(httpServer) {
      const h = attachUpgrade(httpServer, mount.server, { path: mount.path, wsOptions: options.wsOptions });
      mount.onClose(() => h.detach());
      return h;
    },
    close: () => mount.close(),
  };
}
