import { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpServer } from 'node:http';

const FIRST = Symbol('sente.shape.first');
const SECOND = Symbol('sente.shape.second');

/**
 * Puts an object in dictionary mode, where V8 gives the objects of one
 * prototype one hidden class whatever properties are added to them later
 * (from a small cache: a full GC, or the rare hash collision with another
 * object's, makes it a new one),
 * and sets its prototype to `prototype` on the way when there is one. The
 * object's own properties and their order stay as they were (two symbols are
 * added, then deleted).
 *
 * Why: Express's `app.handle` sets the prototypes of Node's request and
 * response (`Object.setPrototypeOf`), then it and its router add properties
 * to them (`res.locals`, `req.next`, `req.baseUrl`, `req.params`, …). V8 keeps
 * no transitions for an object whose prototype was set: each of those
 * additions makes a hidden class of its own, for every request, and every
 * property access on the request or the response after that, in Express, in
 * Sente and in Node's own HTTP and stream code, misses its inline cache and
 * takes V8's slow lookup — more CPU per request than all of Sente's Ajax work.
 * (So the symbols are added before the prototype is set: added after, they
 * would make two such hidden classes.)
 */
export function shareShape(o: object, prototype?: object): void {
  const t = o as Record<symbol, unknown>;
  t[FIRST] = undefined;
  t[SECOND] = undefined;
  if (prototype !== undefined) Object.setPrototypeOf(o, prototype);
  // Deleting a property that is not the last one added is what puts an object in dictionary mode.
  delete t[FIRST];
  delete t[SECOND];
}

/** What of an Express app is needed here: the prototypes `app.handle` gives its requests and responses. */
interface ExpressLike {
  readonly request: object;
  readonly response: object;
  readonly handle: unknown;
}

export function expressApp(listeners: readonly unknown[]): ExpressLike | undefined {
  for (const listener of listeners) {
    const app = listener as Partial<ExpressLike>;
    if (typeof listener === 'function' && typeof app.handle === 'function' && typeof app.request === 'object' && app.request !== null && typeof app.response === 'object' && app.response !== null) return app as ExpressLike;
  }
  return undefined;
}

/**
 * Gives the requests that `matches` accepts, before the Express app among
 * `httpServer`'s `'request'` listeners sees them, the prototypes the app is
 * about to give them (`app.request`, `app.response`), then puts them in
 * dictionary mode ({@link shareShape}): when `app.handle` sets the same
 * prototypes, nothing changes, and the properties Express, Sente and Node add
 * after that keep the one hidden class every such request shares. The app
 * sees the same request as without this. Does nothing when no listener is an
 * Express app. Returns the undo.
 */
export function shapeBeforeApp(httpServer: HttpServer, matches: (url: string | undefined) => boolean): () => void {
  const app = expressApp(httpServer.listeners('request'));
  if (app === undefined) return () => {};
  const { request, response } = app;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (!matches(req.url)) return;
    shareShape(req, request);
    shareShape(res, response);
  };
  httpServer.prependListener('request', onRequest);
  return () => void httpServer.off('request', onRequest);
}

/** Whether `f` is a constructor that may also be called as a function (not a `class`). */
function callable(f: unknown): boolean {
  return typeof f === 'function' && !Function.prototype.toString.call(f).startsWith('class');
}

/** A value no request or socket is. */
const never = Symbol('never');

type Fields = Record<string, unknown>;

/**
 * Makes `httpServer` build its requests and responses with the app's
 * prototypes (`app.request`, `app.response`) from the start, through the
 * `IncomingMessage` and `ServerResponse` classes Node lets a server choose
 * (`http.createServer({ IncomingMessage, ServerResponse })`), set here on a
 * server made with Node's own. `app.handle` then sets the prototypes they
 * have already, which changes nothing, and what Express, Sente and Node add
 * to them follows one chain of hidden classes that V8 keeps, in fast mode:
 * no per-request hidden class and no dictionary mode (see
 * {@link shareShape}). The requests are the ones the app would see.
 * Returns the undo, or `undefined` when the server has classes of its own or
 * Node keeps them where this does not look.
 */
export function bornWithPrototypes(httpServer: HttpServer, app: { readonly request: object; readonly response: object }): (() => void) | undefined {
  const s = httpServer as unknown as Record<symbol, unknown>;
  let kRequest: symbol | undefined;
  let kResponse: symbol | undefined;
  for (const k of Object.getOwnPropertySymbols(httpServer)) {
    if (k.description === 'IncomingMessage' && s[k] === IncomingMessage) kRequest = k;
    else if (k.description === 'ServerResponse' && s[k] === ServerResponse) kResponse = k;
  }
  if (kRequest === undefined || kResponse === undefined) return undefined;
  // Called below as functions (`.call(this, …)`): a Node whose classes are `class`es gets the fallback.
  if (!callable(IncomingMessage) || !callable(ServerResponse)) return undefined;
  const Request = IncomingMessage as unknown as (this: Fields, ...args: unknown[]) => void;
  const Response = ServerResponse as unknown as (this: Fields, ...args: unknown[]) => void;
  // Function constructors: `new` gives their instances `.prototype` as is, with the base's own setup. V8 sizes
  // an instance from the `this.x =` its constructor's body counts (the base's are not counted): the lines
  // under `never`, which never run, ask for room for Node's own fields in the object itself, as Node's
  // constructors get (else every field past the tenth goes to an array that grows three at a time).
  function AppRequest(this: Fields, socket: unknown): void {
    Request.call(this, socket);
    if (socket === never) {
      this.f0 = this.f1 = this.f2 = this.f3 = this.f4 = this.f5 = this.f6 = this.f7 = this.f8 = this.f9 = 0;
      this.f10 = this.f11 = this.f12 = this.f13 = this.f14 = this.f15 = this.f16 = this.f17 = this.f18 = this.f19 = 0;
      this.f20 = this.f21 = this.f22 = this.f23 = this.f24 = this.f25 = this.f26 = this.f27 = this.f28 = this.f29 = 0;
    }
  }
  function AppResponse(this: Fields, req: unknown, options: unknown): void {
    Response.call(this, req, options);
    if (req === never) {
      this.f0 = this.f1 = this.f2 = this.f3 = this.f4 = this.f5 = this.f6 = this.f7 = this.f8 = this.f9 = 0;
      this.f10 = this.f11 = this.f12 = this.f13 = this.f14 = this.f15 = this.f16 = this.f17 = this.f18 = this.f19 = 0;
      this.f20 = this.f21 = this.f22 = this.f23 = this.f24 = this.f25 = this.f26 = this.f27 = this.f28 = this.f29 = 0;
      this.f30 = this.f31 = this.f32 = this.f33 = this.f34 = this.f35 = this.f36 = this.f37 = this.f38 = this.f39 = 0;
      this.f40 = this.f41 = this.f42 = this.f43 = this.f44 = 0;
    }
  }
  AppRequest.prototype = app.request;
  AppResponse.prototype = app.response;
  const [kq, kr] = [kRequest, kResponse];
  s[kq] = AppRequest;
  s[kr] = AppResponse;
  return () => {
    if (s[kq] === AppRequest) s[kq] = IncomingMessage;
    if (s[kr] === AppResponse) s[kr] = ServerResponse;
  };
}
