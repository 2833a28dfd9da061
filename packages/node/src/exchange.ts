import type { HttpExchange, SenteRequest, SenteResponse, SenteServer } from '@sente/core';
import type { ServerResponse } from 'node:http';

/** Writes a whole response and ends it; false when the response already ended or the client left. */
export function writeResponse(res: ServerResponse, r: SenteResponse): boolean {
  if (res.headersSent || res.writableEnded || res.destroyed) return false;
  res.writeHead(r.status, { ...r.headers, 'content-length': String(typeof r.body === 'string' ? Buffer.byteLength(r.body) : r.body.byteLength) });
  res.end(r.body);
  return true;
}

/** The exchange of an Ajax request on a Node response: the core's answer is written as it comes. */
export function httpExchange(res: ServerResponse): HttpExchange {
  return {
    respond: (r) => writeResponse(res, r),
    onAbort(fn) {
      // 'close' fires once: after the response is sent, or when the client goes away first.
      if (res.destroyed && !res.writableEnded) fn();
      else res.once('close', () => void (res.writableFinished || fn()));
    },
  };
}

/**
 * Runs one Ajax request through the core and resolves with its response,
 * for frameworks that write responses themselves once the handler returns
 * (Koa's `ctx.body`, fastify's `reply.send`), even for a poll parked for
 * seconds. Resolves `undefined` when the client went away first.
 */
export function answerHttp<Raw>(server: SenteServer<Raw>, req: SenteRequest<Raw>, res: ServerResponse): Promise<SenteResponse | undefined> {
  return new Promise((resolve) => {
    let answered = false;
    void server.handleHttp(req, {
      respond(r) {
        if (answered) return false;
        answered = true;
        resolve(res.destroyed ? undefined : r);
        return !res.destroyed;
      },
      onAbort(fn) {
        const gone = (): void => {
          if (answered) return;
          answered = true;
          resolve(undefined);
          fn();
        };
        // A client that left before now gets no 'close' event any more.
        if (res.destroyed) gone();
        else res.once('close', gone);
      },
    });
  });
}
