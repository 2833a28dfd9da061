/**
 * Sente for fastify. For authors of other adapters: this file only translates
 * — fastify requests to Sente requests, parked polls and sockets to channels
 * through @sente/node. Every protocol rule is in @sente/core.
 */
import fp from 'fastify-plugin';
import { answerHttp, mountNode, openWebSocketChannel } from '@sente/node';
import type { SenteContract, SenteResponse, SenteServerOf, SocketChannel, SocketListener } from '@sente/core';
import type { NodeSenteOptions } from '@sente/node';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import type {} from '@fastify/websocket';
import { fastifyRequest } from './request.js';

/**
 * Declares the contract of `fastify.sente` for the whole app, as fastify
 * types its decorators: augment it with the contract the plugin is given.
 * @example
 * ```ts
 * declare module '@sente/fastify' {
 *   interface SenteFastifyRegister { contract: typeof chat }
 * }
 * ```
 */
export interface SenteFastifyRegister {}

/** The contract declared in {@link SenteFastifyRegister}, or none. */
export type RegisteredContract = SenteFastifyRegister extends { contract: infer C extends SenteContract } ? C : SenteContract;

declare module 'fastify' {
  interface FastifyInstance {
    /** The Sente channel socket server: `send`, `sendToClient`, `broadcast`, `connectedUids`, `startRouter`, …, typed by the registered contract. */
    sente: SenteServerOf<FastifyRequest, RegisteredContract>;
  }
}

/** Options of {@link senteFastify}: every `createSenteServer` option, plus the route. */
export type SenteFastifyOptions = Omit<NodeSenteOptions<FastifyRequest, RegisteredContract>, 'wsOptions'> & {
  /**
   * `onRequest` hooks of the Sente route, run on the Ajax GET and POST and
   * before the WebSocket upgrade: e.g. `fastify.csrfProtection`.
   * @default []
   */
  onRequest?: onRequestHookHandler | onRequestHookHandler[] | undefined;
  /**
   * `preHandler` hooks of the Sente route, run before Sente's own checks (and
   * before the upgrade), e.g. an auth hook.
   * @default []
   */
  preHandler?: preHandlerHookHandler | preHandlerHookHandler[] | undefined;
};

/**
 * `fastify.sente`, typed by contract `C`, given as the contract value (only
 * its type is used) or as a type argument: for one part of an app, where
 * {@link SenteFastifyRegister} types it for the whole app.
 * @example
 * ```ts
 * const sente = senteOf(app, chat);
 * sente.broadcast(['chat/message', { text: 'hi' }]);
 * ```
 */
export function senteOf<C extends SenteContract>(fastify: FastifyInstance, _contract?: C): SenteServerOf<FastifyRequest, C> {
  return fastify.sente as unknown as SenteServerOf<FastifyRequest, C>;
}

type Open = (socket: SocketChannel) => SocketListener;

/** Sente's own routes; every other method fastify knows (TRACE, QUERY, …) is routed too, so that the core answers it 405. */
const ROUTED_ELSEWHERE = new Set(['GET', 'HEAD', 'POST']);

const plugin: FastifyPluginAsync<SenteFastifyOptions> = async (fastify, options) => {
  const { onRequest = [], preHandler = [], ...rest } = options;
  const { server, path } = mountNode<FastifyRequest, RegisteredContract>(rest);
  // Upgrade requests accepted by Sente's checks, waiting for @fastify/websocket to upgrade them.
  const accepted = new WeakMap<FastifyRequest, Open>();

  fastify.decorate('sente', server as unknown as SenteServerOf<FastifyRequest, RegisteredContract>);
  // preClose, not onClose: fastify's onClose waits for the HTTP server to close,
  // which a parked poll would hold open until its long-poll timeout.
  fastify.addHook('preClose', async () => server.close());

  // @fastify/websocket runs a WebSocket route's handler only after the
  // upgrade, so Sente's checks run in the route's last preHandler: a rejected
  // upgrade request is answered with its status and never upgraded.
  const checkUpgrade = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    if (!request.ws) return undefined;
    await server.handleUpgrade(fastifyRequest(request), {
      reject: (r) => sendResponse(reply, r),
      accept: (open) => accepted.set(request, open),
    });
    return accepted.has(request) ? undefined : reply;
  };

  // fastify's way: await the answer, even a poll parked for seconds, then send it.
  const ajax = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const r = await answerHttp(server, fastifyRequest(request), reply.raw);
    if (r === undefined) reply.hijack();
    else sendResponse(reply, r);
    return reply;
  };

  // A child scope, so that Sente's body parsing stays on Sente's route.
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Any type (a form, or a binary packer's payload) is passed on unread: the core reads it,
    // up to its limit, and hears of a client that leaves mid-body (ERR_SENTE_ABORTED).
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    const hooks = { onRequest: toArray(onRequest), preHandler: [...toArray(preHandler), checkUpgrade] };
    // @fastify/websocket allows a wsHandler on GET routes only: the POST is a route of its own.
    scope.route({
      method: 'GET',
      url: path,
      ...hooks,
      handler: ajax,
      wsHandler: (socket, request) => {
        const open = accepted.get(request);
        accepted.delete(request);
        if (open === undefined) return socket.terminate();
        // Sente closes its own sockets on close (1001, after the last pushes);
        // @fastify/websocket's preClose, which runs first, would close them bare.
        fastify.websocketServer.clients?.delete(socket);
        openWebSocketChannel(socket, open);
      },
    });
    scope.route({ method: 'POST', url: path, ...hooks, handler: ajax });
    scope.route({ method: scope.supportedMethods.filter((m) => !ROUTED_ELSEWHERE.has(m)), url: path, ...hooks, handler: ajax });
  });
};

function sendResponse(reply: FastifyReply, r: SenteResponse): void {
  const body = typeof r.body === 'string' ? r.body : Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
  void reply.code(r.status).headers(r.headers ?? {}).send(body);
}

function toArray<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}

/**
 * Sente as a fastify plugin: the Ajax GET and POST and the WebSocket upgrade
 * on one path (default `/chsk`), with `fastify.sente` the channel socket
 * server. Register `@fastify/websocket` first; Sente closes with the instance.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import websocket from '@fastify/websocket';
 * import { senteFastify } from '@sente/fastify';
 * const app = Fastify();
 * await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
 * await app.register(senteFastify, { csrfToken: null, userId: (req) => req.query['user'] });
 * app.sente.startRouter((msg) => { if (msg.id === 'app/ping') msg.reply?.('pong!'); });
 * await app.listen({ port: 3000 });
 * ```
 */
export const senteFastify = fp(plugin, {
  name: '@sente/fastify',
  fastify: '5.x',
  dependencies: ['@fastify/websocket'],
});
