/**
 * A child process running one or more Sente servers for the torture run, so
 * that a crash is an exit the parent sees, memory is measured apart from the
 * attackers, and the server can be killed and restarted. Started by
 * {@link ./child-process.ts}; spoken to over IPC.
 */
import { PACKERS, startAdapter } from './adapters.js';
import { CSRF_TOKEN, GOOD_ORIGIN } from './protocol.js';
import type { RunningServer } from './adapters.js';
import type { ChildReply, ChildRequest, ChildSpec, ClientRecord, ProcessSample, PushStream, ServerCounts, ServerSeen } from './protocol.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec;
const servers = new Map<string, RunningServer>();
const seen = new Map<string, { errors: Record<string, number>; events: Record<string, number> }>();
const streams = new Map<string, { timer: NodeJS.Timeout; sent: Record<string, number> }>();
/** Push batches the server reported dropping at a good client's queue bound (ERR_SENTE_QUEUE_OVERFLOW), by `<server key> <uid>`. */
const dropped = new Map<string, number>();

function bump(m: Record<string, number>, k: string): void {
  m[k] = (m[k] ?? 0) + 1;
}

for (const s of spec.servers) {
  const counts = { errors: {}, events: {} };
  seen.set(s.key, counts);
  const running = await startAdapter(s.adapter, {
    ...spec.timing,
    packer: PACKERS[s.packer],
    userId: (req) => req.query['uid'],
    csrfToken: () => CSRF_TOKEN,
    allowedOrigins: [GOOD_ORIGIN],
    onError: (e, ctx) => {
      bump(counts.errors, e.code);
      // The good clients' uids: what the server reported dropping for each (see `dropped`).
      const uid = ctx?.uid;
      if (typeof uid === 'string' && uid.startsWith('good-') && e.code === 'ERR_SENTE_QUEUE_OVERFLOW') {
        const n = Number(/(\d+) oldest batch/.exec(e.message)?.[1] ?? 1);
        dropped.set(`${s.key} ${uid}`, (dropped.get(`${s.key} ${uid}`) ?? 0) + n);
      }
    },
  }, 0, s.uwsMaxBackpressure);
  running.server.startRouter((msg) => {
    bump(counts.events, msg.id.startsWith('chsk/') || msg.id.startsWith('good/') ? msg.id : 'other');
    // Every request is answered at once, so hostile requests hold no reply deadline;
    // `good/slow` waits, so that a client can be killed while its reply is pending.
    if (msg.id === 'good/slow') setTimeout(() => msg.reply?.(msg.data), 300).unref();
    else msg.reply?.(msg.id === 'good/echo' ? msg.data : 'ok');
  });
  servers.set(s.key, running);
}

function server(key: string): RunningServer {
  const s = servers.get(key);
  if (s === undefined) throw new Error(`No server ${key}`);
  return s;
}

function counts(): Record<string, ServerCounts> {
  const out: Record<string, ServerCounts> = {};
  for (const [key, s] of servers) {
    const u = s.server.connectedUids;
    out[key] = {
      stats: { ...(s.server.stats() as unknown as Record<string, number>) },
      connectedUids: { ws: u.ws.size, ajax: u.ajax.size, any: u.any.size },
    };
  }
  return out;
}

function sample(): ProcessSample {
  // Started with --expose-gc: a full collection twice, so what is left is held.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  const resources: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) bump(resources, r);
  return { heapUsedBytes: m.heapUsed, rssBytes: m.rss, externalBytes: m.external, resources, servers: counts() };
}

function startStream(st: PushStream): void {
  const s = server(st.key).server;
  const sent: Record<string, number> = Object.fromEntries(st.uids.map((u) => [u, 0]));
  const timer = setInterval(() => {
    for (const uid of st.uids) {
      const seq = sent[uid] ?? 0;
      s.send(uid, ['good/push', seq]);
      sent[uid] = seq + 1;
    }
  }, st.intervalMs);
  streams.set(st.key, { timer, sent });
}

function stopStream(key: string): Record<string, number> {
  const st = streams.get(key);
  if (st === undefined) return {};
  clearInterval(st.timer);
  streams.delete(key);
  return st.sent;
}

let closing: Promise<void> | undefined;
function closeAll(): Promise<void> {
  closing ??= (async () => {
    for (const k of [...streams.keys()]) stopStream(k);
    await Promise.all([...servers.values()].map((s) => s.close()));
  })();
  return closing;
}

async function answer(req: ChildRequest): Promise<unknown> {
  switch (req.op) {
    case 'stats':
      return counts();
    case 'records': {
      const uids = new Set(req.uids);
      return server(req.key)
        .server.clients()
        .filter((c) => uids.has(c.uid))
        .map((c): ClientRecord => ({ uid: c.uid, transport: c.transport, live: c.live, queuedBatches: c.queuedBatches }));
    }
    case 'dropped': {
      const out: Record<string, number> = {};
      for (const uid of req.uids) out[uid] = dropped.get(`${req.key} ${uid}`) ?? 0;
      return out;
    }
    case 'sample':
      return sample();
    case 'errors': {
      const out: Record<string, ServerSeen> = {};
      for (const [k, v] of seen) out[k] = { errors: { ...v.errors }, events: { ...v.events } };
      return out;
    }
    case 'pushStart':
      return startStream(req.stream);
    case 'pushStop':
      return stopStream(req.key);
    case 'send': {
      const s = server(req.key).server;
      const data = 'x'.repeat(req.bytes);
      for (let i = 0; i < req.count; i++) {
        const ev = [req.id, [i, data]] as const;
        if (req.clientId !== undefined) s.sendToClient(req.clientId, [...ev], { flush: req.flush });
        else s.send(req.uid ?? '', [...ev], { flush: req.flush });
      }
      return req.count;
    }
    case 'close':
      await closeAll();
      setImmediate(() => process.exit(0));
      return true;
  }
}

process.on('message', (m: { id: number; req: ChildRequest }) => {
  answer(m.req).then(
    (value) => send({ id: m.id, ok: true, value }),
    (e: unknown) => send({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
});
// SIGTERM is a graceful restart: every client is told (1001, chsk/timeout) before the exit.
process.on('SIGTERM', () => {
  void closeAll().then(() => process.exit(0));
});
process.on('disconnect', () => {
  void closeAll().then(() => process.exit(0));
});

function send(r: ChildReply): void {
  process.send?.(r);
}

send({ ready: true, ports: Object.fromEntries([...servers].map(([k, s]) => [k, s.port])) });
