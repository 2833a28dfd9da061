import { Buffer } from 'node:buffer';
import { STATUS_CODES } from 'node:http';
import { WebSocket as WsSocket, WebSocketServer } from 'ws';
import { requestPath, senteError, errorResponse } from '@sente/core';
import { RepeatedText } from '@sente/core/internal';
import type { OpenSocket, SenteResponse, SenteServer, SocketChannel, SocketListener, SocketOps, TextParts } from '@sente/core';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServerOptions as WsServerOptions, WebSocket } from 'ws';
import { nodeRequest } from './request.js';
import { shareHeaderStrings } from './header-strings.js';
import { corkWhileReading } from './ws-cork.js';
import { frameSender, splitTextFrame, textFrame } from './ws-frame.js';
import type { FrameSender } from './ws-frame.js';

/** Options of {@link attachUpgrade}. */
export interface AttachUpgradeOptions<Raw> {
  /** The Sente path: only upgrades to it are handled; others are left to other listeners. */
  path: string;
  /**
   * Runs before the security checks of an upgrade request, e.g. the app's
   * session middleware; returns (or resolves to) the session (if any) and the
   * raw request that hooks receive as `req.raw`.
   */
  prepare?: ((req: IncomingMessage) => Prepared<Raw> | Promise<Prepared<Raw>>) | undefined;
  /**
   * Options for `ws`'s server (`noServer` and `maxPayload` are set by Sente).
   * Sente keeps its own list of the sockets it opened, so `ws`'s
   * `clientTracking` is off unless set here: `wss.clients` is then undefined.
   * @default {}
   */
  wsOptions?: Omit<WsServerOptions, 'noServer' | 'server' | 'port' | 'maxPayload'> | undefined;
}

/** What {@link AttachUpgradeOptions.prepare} makes of an upgrade request. */
export interface Prepared<Raw> {
  raw: Raw;
  session?: unknown;
  query?: Record<string, string>;
}

/** Detaches an upgrade handler and closes its sockets. */
export interface UpgradeHandle {
  /** `ws`'s server; its `clients` set only with `wsOptions.clientTracking: true` (see {@link AttachUpgradeOptions.wsOptions}). */
  readonly wss: WebSocketServer;
  /** Stops handling upgrades and terminates the sockets opened through this handler. */
  detach(): void;
}

/**
 * Handles WebSocket upgrades to Sente's path on a Node `http.Server` with
 * `ws`: every upgrade request goes through `server.handleUpgrade`, so a
 * refused one is answered with its HTTP status and never upgraded. An upgrade
 * to another path that no other listener handles is answered 404, so that
 * neither its client nor the server's close waits on it.
 */
export function attachUpgrade<Raw>(httpServer: HttpServer, server: SenteServer<Raw>, options: AttachUpgradeOptions<Raw>): UpgradeHandle {
  // ws enforces the frame limit itself (closing with 1009) before buffering a too-big frame.
  // Its client tracking (a set entry and a close listener per socket) would double the list kept here.
  const wss = new WebSocketServer({ WebSocket: SenteWebSocket, clientTracking: false, ...options.wsOptions, noServer: true, maxPayload: server.maxPayloadBytes });
  const sockets = new OpenSockets();
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', ignore);
    if (requestPath(req.url) === options.path) handleUpgrade(server, wss, sockets, options, req, socket, head);
    else if (httpServer.listenerCount('upgrade') === 1) rejectUpgrade(socket, errorResponse(senteError('ERR_SENTE_NOT_FOUND')));
  };
  httpServer.on('upgrade', onUpgrade);
  return {
    wss,
    detach() {
      httpServer.off('upgrade', onUpgrade);
      sockets.terminateAll();
      wss.close();
    },
  };
}

/**
 * Hands an upgrade request to the core. Synchronous when `prepare` has
 * nothing to wait for (no upgrade middleware, the usual case): an async
 * function would cost its promise, its saved frame and an await's reaction
 * on every opening, all garbage at once (the core's `handleUpgrade` never
 * rejects, and nothing here waits for it).
 */
function handleUpgrade<Raw>(
  server: SenteServer<Raw>,
  wss: WebSocketServer,
  sockets: OpenSockets,
  options: AttachUpgradeOptions<Raw>,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  let p: Prepared<Raw> | Promise<Prepared<Raw>>;
  try {
    p = options.prepare === undefined ? { raw: req as Raw } : options.prepare(req);
  } catch {
    return prepareFailed(socket);
  }
  if (!(p instanceof Promise)) return upgradePrepared(server, wss, sockets, req, socket, head, p);
  p.then(
    (prepared) => upgradePrepared(server, wss, sockets, req, socket, head, prepared),
    () => prepareFailed(socket),
  );
}

/** `prepare` threw or rejected (an upgrade middleware failed): answered 500, never upgraded. */
function prepareFailed(socket: Duplex): void {
  rejectUpgrade(socket, errorResponse(senteError('ERR_SENTE_HOOK_FAILED')));
}

function upgradePrepared<Raw>(
  server: SenteServer<Raw>,
  wss: WebSocketServer,
  sockets: OpenSockets,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  prepared: Prepared<Raw>,
): void {
  void server.handleUpgrade(nodeRequest(req, prepared.raw, true, prepared.session, undefined, prepared.query), {
    reject: (r) => rejectUpgrade(socket, r),
    accept: (open) => {
      if (socket.destroyed) return;
      wss.handleUpgrade(req, socket, head, (ws) => {
        // ws listens for the socket's errors from now on: one listener rather than a list of two, for the socket's life.
        socket.off('error', ignore);
        // The request lives as long as the socket (the default keepUpgradeRaw): its repeated header strings are shared.
        shareHeaderStrings(req);
        if (ws instanceof SenteWebSocket) openSenteSocket(ws, open);
        else openWebSocketChannel(ws, open);
        // Once it has its 'close' listener, which takes it out again ('close' never comes synchronously).
        sockets.add(ws);
      });
    },
  });
}

/**
 * Opens the channel of an upgraded `ws` socket: calls `open` at once (the
 * socket can send) and wires its messages and close to the core's listener.
 * For adapters whose framework does the upgrade itself (@fastify/websocket).
 */
export function openWebSocketChannel(ws: WebSocket, open: (socket: SocketChannel) => SocketListener): void {
  const listener = open(new WsChannel(ws));
  if (ws instanceof SenteWebSocket) ws.senteListener = listener;
  else listeners.set(ws, listener);
  listen(ws);
}

/** Opens a socket of Sente's own server as itself, with {@link SENTE_SOCKETS}: no channel object per socket. */
function openSenteSocket(ws: SenteWebSocket, open: OpenSocket): void {
  ws.senteSender = frameSender(ws);
  ws.senteListener = open(ws, SENTE_SOCKETS);
  listen(ws);
}

/** The same three functions for every socket (no closures per socket): each finds its socket's listener. */
function listen(ws: WebSocket): void {
  ws.on('message', onMessage);
  ws.on('close', onClose);
  // 'close' always follows 'error'; an unhandled 'error' would crash the process.
  ws.on('error', ignore);
}

/**
 * A `ws` socket of Sente's own server, with a field for the core's listener:
 * one field in the socket's object rather than an entry per socket in a
 * WeakMap (which also costs every full garbage collection some work).
 */
class SenteWebSocket extends WsSocket implements Ring {
  senteListener: SocketListener | undefined = undefined;
  /** Its sender, when a frame built here can be written through it (see {@link frameSender}); set as it opens. */
  senteSender: FrameSender | undefined = undefined;
  /** Its neighbours in its handler's {@link OpenSockets} (itself while in none). */
  ringPrev: Ring = this;
  ringNext: Ring = this;
}

/** A link of {@link OpenSockets}' ring. */
interface Ring {
  ringPrev: Ring;
  ringNext: Ring;
}

/**
 * The open sockets of one upgrade handler, for its `detach()`: a ring
 * through the sockets' own fields (two per socket, no table entry, no
 * closure), each leaving it when it closes. A socket of another class
 * (a `WebSocket` class in the app's `wsOptions`) goes in a set instead,
 * with a close listener of its own.
 */
class OpenSockets implements Ring {
  ringPrev: Ring = this;
  ringNext: Ring = this;
  private readonly others = new Set<WebSocket>();

  add(ws: WebSocket): void {
    if (ws instanceof SenteWebSocket) {
      const last = this.ringPrev;
      ws.ringPrev = last;
      ws.ringNext = this;
      last.ringNext = ws;
      this.ringPrev = ws;
      return;
    }
    this.others.add(ws);
    ws.once('close', () => this.others.delete(ws));
  }

  /** Terminates every socket still open (each leaves when its 'close' comes). */
  terminateAll(): void {
    const open: WebSocket[] = [...this.others];
    for (let r = this.ringNext; r !== this; r = r.ringNext) open.push(r as SenteWebSocket);
    for (const ws of open) ws.terminate();
  }
}

/** Takes a socket out of its handler's ring, if it is in one. */
function leaveRing(ws: SenteWebSocket): void {
  const prev = ws.ringPrev;
  const next = ws.ringNext;
  prev.ringNext = next;
  next.ringPrev = prev;
  ws.ringPrev = ws;
  ws.ringNext = ws;
}

/** The core's listener of each open socket made by another server (@fastify/websocket's, or a `WebSocket` class of the app's `wsOptions`). */
const listeners = new WeakMap<WebSocket, SocketListener>();

function listenerOf(ws: WebSocket): SocketListener | undefined {
  return ws instanceof SenteWebSocket ? ws.senteListener : listeners.get(ws);
}

/** The socket whose frame the core is handling now: what it sends meanwhile is a reply to that frame. */
let receiving: WebSocket | undefined;

function onMessage(this: WebSocket, data: unknown, isBinary: boolean): void {
  const listener = listenerOf(this);
  if (listener === undefined) return;
  const buf = data as Buffer;
  receiving = this;
  try {
    listener.onMessage(isBinary ? buf : buf.toString('utf8'));
  } finally {
    receiving = undefined;
  }
}

function onClose(this: WebSocket, code: number, reason: Buffer): void {
  const listener = listenerOf(this);
  if (this instanceof SenteWebSocket) {
    this.senteListener = undefined;
    leaveRing(this);
  } else listeners.delete(this);
  listener?.onClose(code, reason.toString('utf8'));
}

/**
 * A broadcast's text framed once for all the sockets it goes to: the same
 * buffer, header and payload, is written to each, where `ws.send` would
 * encode the text and build a header for every socket.
 */
const repeated = new RepeatedText(textFrame);

/** The head of a broadcast's texts in two parts (see `TextParts`), encoded once for all its sockets. */
const heads = new RepeatedText((head) => Buffer.from(head, 'utf8'));

/**
 * Sends `payload` on `ws`. A text goes through `sender` (its
 * {@link frameSender}) as one frame built here, header and UTF-8 payload in
 * one buffer, one write: `ws.send` would write a header and the text apart,
 * corked, and Node's `writev` would then encode the text (together about
 * 4,000 instructions more per frame, counted with callgrind). A broadcast's
 * frame is built once for all its sockets; a broadcast's text in two parts
 * (`parts`: its events, then each uid's position) has its head encoded once
 * and each socket's tail copied in after it.
 */
function sendOn(ws: WebSocket, sender: FrameSender | undefined, payload: string | Uint8Array, parts: TextParts | undefined, alone: boolean | undefined): void {
  if (ws.readyState !== ws.OPEN) return;
  // A reply while more frames of the same chunk wait: the replies of the chunk go out together.
  if (ws === receiving) corkWhileReading(ws);
  // Binary, a compressing socket, or a sender that queues (a Blob being read, whose order a frame must keep): ws.send.
  if (typeof payload !== 'string' || sender === undefined || sender._state !== 0) return ws.send(payload);
  if (parts !== undefined) sender.sendFrame(splitTextFrame(heads.bytesFor(parts.head), parts.tail));
  // A reply's text is framed as it is: comparing it with the last text sent would cost more than it could save.
  else sender.sendFrame((alone === true ? undefined : repeated.bytesOf(payload)) ?? textFrame(payload));
}

function closeWs(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
}

/** What the core does with a socket of Sente's own server: shared by all of them, so such a socket needs no channel object. */
const SENTE_SOCKETS: SocketOps<SenteWebSocket> = {
  send: (ws, payload, parts, alone) => sendOn(ws, ws.senteSender, payload, parts, alone),
  close: closeWs,
  bufferedAmount: (ws) => ws.bufferedAmount,
};

/**
 * A `ws` socket of another server (@fastify/websocket's, or a `WebSocket`
 * class of the app's `wsOptions`) as the core's channel: one object per
 * socket, its methods shared (no closures per socket).
 */
class WsChannel implements SocketChannel {
  /** Its sender, when a frame built here can be written through it (see {@link frameSender}). */
  private readonly sender: FrameSender | undefined;

  constructor(private readonly ws: WebSocket) {
    this.sender = frameSender(ws);
  }

  send(payload: string | Uint8Array, parts?: TextParts, alone?: boolean): void {
    sendOn(this.ws, this.sender, payload, parts, alone);
  }

  close(code: number, reason: string): void {
    closeWs(this.ws, code, reason);
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}

/** Answers an upgrade request with a plain HTTP response instead of upgrading. */
function rejectUpgrade(socket: Duplex, r: SenteResponse): void {
  if (socket.destroyed) return;
  const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
  const headers = { 'content-type': 'text/plain; charset=utf-8', ...r.headers, connection: 'close', 'content-length': String(body.byteLength) };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  socket.write(`HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? ''}\r\n${lines.join('\r\n')}\r\n\r\n`);
  socket.end(body);
}

function ignore(): void {}
