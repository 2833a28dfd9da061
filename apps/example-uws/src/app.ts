import { fileURLToPath } from 'node:url';
import uWS from 'uWebSockets.js';
import { attachSente } from '@sente/uws';
import type { Chat } from '@sente/example-chat';
import { FAVICON_TYPE, buildChatPage, installChat } from '@sente/example-chat';
import { timingSafeEqual } from '@sente/core';
import type { HttpResponse, us_listen_socket } from 'uWebSockets.js';
import { packer } from './packer.js';
import { Sessions } from './sessions.js';

/** A running example app. */
export interface Example {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_LOGIN_BODY = 4096;

/** Reads a small request body; calls `done` with it, or with `undefined` past the limit. */
function readSmallBody(res: HttpResponse, done: (body: string | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.onData((chunk, isLast) => {
    // uWS reuses the chunk's memory after this callback: copy it.
    size += chunk.byteLength;
    if (size <= MAX_LOGIN_BODY) chunks.push(Buffer.from(chunk.slice(0)));
    if (isLast) done(size <= MAX_LOGIN_BODY ? Buffer.concat(chunks).toString('utf8') : undefined);
  });
}

/**
 * Starts the chat on uWebSockets.js: a cookie session of its own (uWS has no
 * middleware), Sente's default CSRF check against the session's token, and
 * the edn packer.
 */
export async function startExample(options: { port?: number; host?: string } = {}): Promise<Example> {
  const page = await buildChatPage(fileURLToPath(new URL('./packer.ts', import.meta.url)));
  const sessions = new Sessions();
  const app = uWS.App();

  const sente = attachSente<Chat>(app, {
    packer,
    // Sente's defaults then read session.uid and compare the CSRF token with session.csrfToken.
    session: (req) => sessions.get(req.headers['cookie']),
    handshakeData: () => ({ motd: 'Welcome to the Sente chat' }),
  });
  installChat(sente.server);

  app.get('/', (res, req) => {
    let session = sessions.get(req.getHeader('cookie'));
    let setCookie: string | undefined;
    if (session === undefined) ({ session, setCookie } = sessions.create());
    const html = page.html(session.csrfToken);
    res.cork(() => {
      res.writeStatus('200 OK').writeHeader('content-type', 'text/html; charset=utf-8');
      if (setCookie) res.writeHeader('set-cookie', setCookie);
      res.end(html);
    });
  });
  app.get('/browser.js', (res) => {
    res.cork(() => res.writeStatus('200 OK').writeHeader('content-type', 'text/javascript').end(page.script));
  });
  app.get('/favicon.ico', (res) => {
    res.cork(() => res.writeStatus('200 OK').writeHeader('content-type', FAVICON_TYPE).end(page.favicon));
  });
  app.post('/login', (res, req) => {
    // The request is only valid synchronously: copy what is needed first.
    const cookie = req.getHeader('cookie');
    const token = req.getHeader('x-csrf-token');
    let aborted = false;
    res.onAborted(() => (aborted = true));
    readSmallBody(res, (body) => {
      if (aborted) return;
      const current = sessions.get(cookie);
      let user = '';
      try {
        const parsed = JSON.parse(body ?? 'null') as { user?: unknown } | null;
        user = typeof parsed?.user === 'string' ? parsed.user.trim().slice(0, 32) : '';
      } catch {
        return void res.cork(() => res.writeStatus('400 Bad Request').end('Bad request'));
      }
      if (current === undefined || !timingSafeEqual(token, current.csrfToken)) {
        return void res.cork(() => res.writeStatus('403 Forbidden').end('Bad CSRF token'));
      }
      // A new session on login (no fixation); the client reconnects so that Sente reads the new uid.
      sessions.drop(cookie);
      const { session, setCookie } = sessions.create(user || undefined);
      res.cork(() => {
        res.writeStatus('200 OK').writeHeader('content-type', 'application/json').writeHeader('set-cookie', setCookie);
        res.end(JSON.stringify({ uid: user || null, csrfToken: session.csrfToken }));
      });
    });
  });

  const host = options.host ?? '127.0.0.1';
  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) =>
    app.listen(host, options.port ?? 3003, (token) => (token ? resolve(token) : reject(new Error(`Cannot listen on ${host}`)))),
  );
  const port = uWS.us_socket_local_port(listenSocket);
  return {
    url: `http://${host}:${port}/`,
    async close() {
      await sente.close();
      uWS.us_listen_socket_close(listenSocket);
      app.close();
    },
  };
}
