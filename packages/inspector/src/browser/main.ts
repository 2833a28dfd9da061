/**
 * The inspector page: streams snapshots from the feed with @sente/client
 * (the library inspecting itself) and draws them with the DOM and plain SVG.
 */
import { createSenteClient, isCbSuccess } from '@sente/client';
import { Sparkline } from './chart.js';
import { INSPECTOR_EVENTS } from '../snapshot.js';
import type { InspectedClient, InspectedCluster, InspectedNode, InspectorSnapshot } from '../snapshot.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const meta = document.querySelector<HTMLMetaElement>('meta[name="sente-inspector"]');
const client = createSenteClient(meta?.dataset['feed'] ?? '/inspector/chsk', meta?.dataset['csrf'] ?? '');

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const bytes = (n: number): string => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);

const charts = [
  new Sparkline('clients', 'Clients (ws + ajax)', '#2563eb'),
  new Sparkline('events-in', 'Events in / s', '#059669'),
  new Sparkline('pushes-out', 'Pushes out / s', '#d97706'),
  new Sparkline('queued-bytes', 'Queued bytes', '#7c3aed'),
  new Sparkline('pending-replies', 'Pending replies', '#db2777'),
];
$('charts').append(...charts.map((c) => c.element));
const chart = (key: string): Sparkline => charts.find((c) => c.key === key)!;

let latest: InspectorSnapshot | undefined;

function card(key: string, label: string, value: string): HTMLElement {
  const el = document.createElement('div');
  el.className = 'card';
  el.dataset['count'] = key;
  const v = document.createElement('div');
  v.className = 'value';
  v.textContent = value;
  const l = document.createElement('div');
  l.className = 'label';
  l.textContent = label;
  el.append(v, l);
  return el;
}

const orDash = (n: number | null, f: (n: number) => string = fmt): string => (n === null ? '—' : f(n));

function drawCounts(s: InspectorSnapshot): void {
  $('counts').replaceChildren(
    card('uids', 'connected uids', String(s.uids.any)),
    card('uids-ws', 'uids on WebSocket', String(s.uids.ws)),
    card('uids-ajax', 'uids on Ajax', String(s.uids.ajax)),
    card('events-in', 'events in / s', fmt(s.rates.eventsIn)),
    card('pushes-out', 'pushes out / s', orDash(s.rates.pushesOut)),
    card('batch-size', 'events per batch', orDash(s.rates.batchSize)),
    card('queued-batches', 'queued batches', String(s.stats.queuedBatches)),
    card('queued-bytes', 'queued bytes', bytes(s.stats.queuedBytes)),
    card('pending-replies', 'pending replies', String(s.stats.pendingReplies)),
    card('server-requests', 'server requests', String(s.stats.serverRequests)),
    card('logged-pushes', 'pushes in replay log', String(s.stats.loggedPushes)),
    card('message-ids', 'message ids remembered', String(s.stats.messageIds)),
    card('timers', 'timers', String(s.stats.timers)),
  );
}

function cell(text: string, className = ''): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function tag(text: string, className: string): HTMLElement {
  const span = document.createElement('span');
  span.className = `tag ${className}`;
  span.textContent = text;
  return span;
}

function action(label: string, id: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.dataset['action'] = id;
  return b;
}

// One listener for every row's buttons, so that a redraw never loses a click.
$('clients').addEventListener('click', (e) => {
  const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
  const uid = button?.closest<HTMLElement>('tr.uid-row')?.dataset['uid'];
  if (!button || uid === undefined) return;
  const label = button.textContent ?? '';
  client.send([button.dataset['action'] ?? '', { uid }], 5000, (reply) => {
    const ok = isCbSuccess(reply) && typeof reply === 'object' && reply !== null && (reply as { ok?: unknown }).ok === true;
    $('action-result').textContent = `${label} ${uid}: ${ok ? 'done' : 'failed'}`;
  });
});

/** What the client table shows last, to redraw it only when that changes. */
let drawnClients = '';

function drawClients(s: InspectorSnapshot): void {
  const filter = $<HTMLInputElement>('uid-filter').value.trim().toLowerCase();
  const shown = filter === '' ? s.clients : s.clients.filter((c) => c.uid.toLowerCase().includes(filter));
  const hidden = s.clientCount - s.clients.length;
  $('client-count').textContent = `${s.clientCount} ${s.cluster === null ? 'in all' : 'on this node'}${hidden > 0 ? `, first ${s.clients.length} listed` : ''}${filter ? `, ${shown.length} match` : ''}`;
  // Only the table's own content: a redraw between a press and its release would eat the click.
  const key = JSON.stringify([shown, s.actions]);
  if (key === drawnClients) return;
  drawnClients = key;
  const byUid = new Map<string, InspectedClient[]>();
  for (const c of shown) byUid.set(c.uid, [...(byUid.get(c.uid) ?? []), c]);
  const rows: HTMLTableRowElement[] = [];
  for (const [uid, clients] of byUid) {
    const head = document.createElement('tr');
    head.className = 'uid-row';
    head.dataset['uid'] = uid;
    const transports = [...new Set(clients.map((c) => c.transport))].join(' + ');
    const tools = document.createElement('td');
    if (s.actions.disconnect) tools.append(action('disconnect', INSPECTOR_EVENTS.disconnect));
    if (s.actions.testPush) tools.append(' ', action('test push', INSPECTOR_EVENTS.testPush));
    const summary = cell(`${clients.length} client${clients.length === 1 ? '' : 's'} · ${transports}`);
    summary.colSpan = 6;
    tools.className = 'tools';
    head.append(cell(uid), summary, tools);
    rows.push(head);
    for (const c of clients) {
      const tr = document.createElement('tr');
      tr.className = 'client-row';
      tr.dataset['clientId'] = c.clientId;
      tr.dataset['transport'] = c.transport;
      const t = document.createElement('td');
      t.append(tag(c.transport, c.transport), ...(c.live ? [] : [' ', tag('away', 'away')]));
      tr.append(
        cell(''),
        cell(c.clientId.length > 12 ? `${c.clientId.slice(0, 12)}…` : c.clientId, 'id'),
        t,
        cell(new Date(c.since).toLocaleTimeString()),
        cell(c.queuedBatches === 0 ? '—' : `${c.queuedBatches} (${bytes(c.queuedBytes)})`),
        cell(c.userAgent ?? '', 'ua'),
        cell(c.remoteAddress ?? '—'),
        cell(''),
      );
      tr.cells[1]!.title = c.clientId;
      tr.cells[5]!.title = c.userAgent ?? '';
      rows.push(tr);
    }
  }
  $('clients').querySelector('tbody')!.replaceChildren(...rows);
  $('no-clients').hidden = shown.length > 0;
}

/** A table of counts by code, most frequent first. */
function drawCodeTable(id: string, counts: Readonly<Record<string, number>> | null): void {
  const entries = Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1]);
  $(id).querySelector('tbody')!.replaceChildren(
    ...entries.map(([code, n]) => {
      const tr = document.createElement('tr');
      tr.dataset['code'] = code;
      tr.append(cell(code), cell(String(n)));
      return tr;
    }),
  );
  $(`no-${id}`).hidden = entries.length > 0;
  $(`no-${id}`).textContent = counts === null ? 'Not counted (no probe).' : 'None.';
}

function drawErrors(s: InspectorSnapshot): void {
  drawCodeTable('errors', s.errors);
  drawCodeTable('closes', s.closes);
  const { replayHits: hits, replayMisses: misses, handshakes, fallbacks, reupgrades } = s.totals;
  $('replay').textContent = hits === null ? 'Not counted (no probe).' : `${hits} recovered, ${misses} missed, of ${handshakes} handshakes`;
  $('switches').textContent = fallbacks === null ? 'Not counted (no probe).' : `${fallbacks} fallbacks to Ajax, ${reupgrades} re-upgrades to WebSocket`;
}

const errorCount = (errors: Readonly<Record<string, number>> | null): string =>
  errors === null ? '—' : String(Object.values(errors).reduce((a, b) => a + b, 0));

/** One row of the nodes table: a node (`id`) or the total. */
function nodeRow(id: string | undefined, n: Omit<InspectedNode, 'nodeId' | 'at' | 'watched'>, self: boolean): HTMLTableRowElement {
  const tr = document.createElement('tr');
  if (id === undefined) tr.className = 'total';
  else {
    tr.dataset['node'] = id;
    if (self) tr.className = 'self';
  }
  tr.append(
    cell(id ?? 'total', id === undefined ? '' : 'id'),
    cell(String(n.stats.wsClients)),
    cell(String(n.stats.ajaxClients)),
    cell(fmt(n.rates.eventsIn)),
    cell(orDash(n.rates.pushesOut)),
    cell(n.stats.queuedBatches === 0 ? '—' : `${n.stats.queuedBatches} (${bytes(n.stats.queuedBytes)})`),
    cell(String(n.stats.pendingReplies)),
    cell(errorCount(n.errors)),
  );
  return tr;
}

function drawCluster(c: InspectedCluster | null): void {
  $('cluster').hidden = c === null;
  if (c === null) return;
  $('node-count').textContent = `${c.nodes.length} heard from within ${c.staleAfterMs / 1000} s`;
  $('nodes').querySelector('tbody')!.replaceChildren(...c.nodes.map((n) => nodeRow(n.nodeId, n, n.nodeId === c.nodeId)));
  $('nodes').querySelector('tfoot')!.replaceChildren(nodeRow(undefined, c.total, false));
}

function draw(s: InspectorSnapshot, sample: boolean): void {
  latest = s;
  drawCounts(s);
  drawCluster(s.cluster);
  drawClients(s);
  drawErrors(s);
  if (sample) {
    chart('clients').push(s.stats.wsClients + s.stats.ajaxClients);
    chart('events-in').push(s.rates.eventsIn, fmt);
    chart('pushes-out').push(s.rates.pushesOut, fmt);
    chart('queued-bytes').push(s.stats.queuedBytes, bytes);
    chart('pending-replies').push(s.stats.pendingReplies);
  }
  $('updated').textContent = `updated ${new Date(s.at).toLocaleTimeString()}, every ${s.intervalMs} ms`;
}

$('uid-filter').addEventListener('input', () => latest && drawClients(latest));

client.on('state', ({ new: st }) => {
  $('status').textContent = st.open ? `live (${st.type})` : 'disconnected';
  $('status').className = `pill ${st.open ? 'open' : 'closed'}`;
});

client.startRouter((msg) => {
  if (msg.id === 'chsk/handshake') {
    client.send([INSPECTOR_EVENTS.hello, null], 5000, (reply) => {
      if (isCbSuccess(reply) && typeof reply === 'object' && reply !== null && 'stats' in reply) draw(reply as InspectorSnapshot, false);
    });
  } else if (msg.id === INSPECTOR_EVENTS.snapshot) {
    draw(msg.data as InspectorSnapshot, true);
  }
});
