import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Keyword } from '@sente/core';
import { json } from '@sente/packer-json';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';

/** The JSON handshake frame `[[chsk/handshake [uid nil nil ext?]] nil]`. */
export const handshakeFrame = (uid: string, ext?: unknown): string =>
  json.pack([[Keyword.for('chsk/handshake'), ext === undefined ? [uid, null, null] : [uid, null, null, ext]], null]) as string;

/** A bare HTTP + WebSocket server on 127.0.0.1 that plays whatever a test scripts, for what no adapter sends yet. */
export interface RawServer {
  readonly url: string;
  /** The request URLs (path and query) it got, upgrades included. */
  readonly requests: string[];
  /** The frames its sockets got, as text. */
  readonly frames: string[];
  close(): Promise<void>;
}

/** What a {@link RawServer} does. */
export interface RawScript {
  /** Called for each new WebSocket. */
  ws?: (socket: WebSocket) => void;
  /** Answers each HTTP request. */
  http?: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
}

/** Starts a {@link RawServer}. */
export async function startRawServer(script: RawScript): Promise<RawServer> {
  const requests: string[] = [];
  const frames: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (script.http) script.http(req, res, body);
      else res.writeHead(404).end();
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    requests.push(req.url ?? '');
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (d) => frames.push(String(d)));
      script.ws?.(ws);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/chsk`,
    requests,
    frames,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
