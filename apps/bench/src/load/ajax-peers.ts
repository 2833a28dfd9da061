/**
 * Raw-protocol Ajax clients on node:http with keep-alive, each behaving as
 * its library's own client does: `@sente/client` keeps one long-poll GET
 * parked and sends events by POST, several in one batch POST while two are in
 * flight (one per POST with a Sente server that does not offer batches); Socket.IO's polling transport keeps one
 * GET parked and sends what it has queued in one POST at a time.
 */
import { Agent, request } from 'node:http';
import type { Family } from '../targets.js';
import { ECHO_DATA_JSON, ECHO_ID } from '../wire.js';
import { onSocketIoPacket } from './ws-peers.js';
import type { OnPush, Peer } from './ws-peers.js';

interface Answer {
  readonly status: number;
  readonly body: string;
}

function http(agent: Agent, port: number, method: 'GET' | 'POST', path: string, body?: string, contentType?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: body === undefined ? {} : { 'content-type': contentType ?? 'text/plain;charset=UTF-8', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens a raw Ajax peer of `family`; resolves once its handshake is done. */
export function openAjaxPeer(family: Family, port: number, i: number, inflight: number, onPush: OnPush): Promise<Peer> {
  // One socket per request in flight plus the parked poll, all kept alive.
  const agent = new Agent({ keepAlive: true, maxSockets: inflight + 1 });
  if (family === 'sente') return senteAjaxPeer(agent, port, i, onPush);
  if (family === 'socketio') return socketIoPollingPeer(agent, port, onPush);
  throw new Error(`no Ajax transport for ${family}`);
}

/** How long a send waits for the POST in flight before it goes in another, as in `@sente/client`. */
const SENTE_POST_WAIT_MS = 200;

/**
 * Sente's Ajax as `@sente/client` does it: a handshake GET asking for the
 * extensions (`sente-ext=1`), a parked long-poll GET, and form POSTs answered
 * with their replies — one event per POST when none is in flight, and the
 * events sent meanwhile (and by the callbacks) together in the next batch POST
 * (`[[env1 env2 …] nil {b n}]`, answered `[[reply1 reply2 …] nil]`), at most
 * the handshake's `maxPostEvents`; what waited 200 ms goes in another POST.
 */
async function senteAjaxPeer(agent: Agent, port: number, i: number, onPush: OnPush): Promise<Peer> {
  const clientId = `c${i}-${process.pid}`;
  const query = `uid=u${i}&client-id=${clientId}&sente-ext=1`;
  const hs = await http(agent, port, 'GET', `/chsk?${query}&handshake%3F=1&udt=${Date.now()}`);
  if (hs.status !== 200) throw new Error(`Sente handshake answered ${hs.status}: ${hs.body}`);
  const [[, [, , , ext]]] = JSON.parse(hs.body) as [[string, [unknown, unknown, unknown, { maxPostEvents?: number } | undefined]]];
  const maxEvents = ext?.maxPostEvents ?? 1;
  let open = true;
  const poll = (): void => {
    if (!open) return;
    http(agent, port, 'GET', `/chsk?${query}&udt=${Date.now()}`).then((a) => {
      if (a.status !== 200) return;
      const [content] = JSON.parse(a.body) as [unknown, unknown];
      if (Array.isArray(content)) for (const ev of content as [string, { t: number }][]) onPush(ev[1].t);
      poll();
    }, () => {});
  };
  poll();
  const one = `[["${ECHO_ID}",${ECHO_DATA_JSON}],"ajax"]`;
  const form = (ppstr: string): string => `udt=${Date.now()}&client-id=${encodeURIComponent(clientId)}&ppstr=${encodeURIComponent(ppstr)}`;
  interface Waiter {
    done(): void;
    failed(why: string): void;
  }
  const queue: Waiter[] = [];
  let inFlight = 0;
  const post = (batch: Waiter[]): void => {
    inFlight++;
    const ppstr = batch.length === 1 ? one : `[[${batch.map(() => one).join(',')}],null,{"b":${batch.length}}]`;
    http(agent, port, 'POST', `/chsk?${query}&udt=${Date.now()}`, form(ppstr), 'application/x-www-form-urlencoded;charset=UTF-8').then(
      (a) => {
        if (a.status !== 200) for (const w of batch) w.failed(`POST answered ${a.status}`);
        else if (batch.length === 1) batch[0]?.done();
        else {
          const [replies] = JSON.parse(a.body) as [unknown[]];
          batch.forEach((w, k) => (replies[k] !== undefined ? w.done() : w.failed('no reply')));
        }
        // After the callbacks: what they sent goes with what waited, in one POST.
        inFlight--;
        flush();
      },
      (e: Error) => {
        inFlight--;
        for (const w of batch) w.failed(e.message);
        flush();
      },
    );
  };
  let waitTimer: NodeJS.Timeout | undefined;
  const flush = (waited = false): void => {
    while (queue.length > 0 && (waited || inFlight === 0 || maxEvents < 2)) post(queue.splice(0, maxEvents));
    if (queue.length > 0 && waitTimer === undefined && open) {
      waitTimer = setTimeout(() => {
        waitTimer = undefined;
        flush(true);
      }, SENTE_POST_WAIT_MS);
    }
  };
  return {
    request(done, failed) {
      queue.push({ done, failed });
      flush();
    },
    close() {
      open = false;
      clearTimeout(waitTimer);
      agent.destroy();
    },
  };
}

/** Engine.IO 4 polling: packets joined by U+001E; at most one POST in flight, the queue sent as one payload. */
async function socketIoPollingPeer(agent: Agent, port: number, onPush: OnPush): Promise<Peer> {
  const base = '/socket.io/?EIO=4&transport=polling';
  const hs = await http(agent, port, 'GET', `${base}&t=${Date.now()}`);
  if (hs.status !== 200 || !hs.body.startsWith('0')) throw new Error(`Socket.IO handshake answered ${hs.status}: ${hs.body}`);
  const { sid } = JSON.parse(hs.body.slice(1)) as { sid: string };
  const path = `${base}&sid=${sid}`;
  const waiting = new Map<number, () => void>();
  let queue: string[] = [];
  let posting = false;
  let open = true;
  // Socket.IO answers a batched POST as a whole: a failure is reported once, against the last request.
  let fail: (why: string) => void = () => {};
  const flush = (): void => {
    if (posting || queue.length === 0 || !open) return;
    const payload = queue.join('\x1e');
    queue = [];
    posting = true;
    http(agent, port, 'POST', `${path}&t=${Date.now()}`, payload).then(
      (a) => {
        posting = false;
        if (a.status !== 200) fail(`POST answered ${a.status}`);
        flush();
      },
      (e: Error) => fail(e.message),
    );
  };
  const send = (p: string): void => {
    queue.push(p);
    flush();
  };
  let connected: () => void = () => {};
  const ready = new Promise<void>((r) => (connected = r));
  const poll = (): void => {
    if (!open) return;
    http(agent, port, 'GET', `${path}&t=${Date.now()}`).then((a) => {
      if (a.status !== 200) return;
      for (const p of a.body.split('\x1e')) onSocketIoPacket(p, send, waiting, onPush, connected);
      poll();
    }, () => {});
  };
  send('40');
  poll();
  await ready;
  let nextAck = 0;
  return {
    request(done, failed) {
      fail = failed;
      const ack = nextAck++;
      waiting.set(ack, done);
      send(`42${ack}["echo",${ECHO_DATA_JSON}]`);
    },
    close() {
      open = false;
      agent.destroy();
    },
  };
}
