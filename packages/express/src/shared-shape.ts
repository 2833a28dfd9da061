import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';

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

function expressApp(listeners: readonly unknown[]): ExpressLike | undefined {
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
