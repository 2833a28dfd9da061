import { damageCount } from '../good/damage.js';
import type { ClassRow, Finding, Tally } from './tally.js';
import type { HostileReport } from '../hostile/run-hostile.js';
import type { FaultReport } from '../faults/run-faults.js';
import type { SoakReport } from '../soak/run-soak.js';
import type { Damage } from '../good/damage.js';

const fmt = (n: number): string => n.toLocaleString('en-US');

/** `close 1007 ×12, open ×3`, most frequent first. */
function counts(m: Record<string, number>, limit = 8): string {
  const e = Object.entries(m).sort((a, b) => b[1] - a[1]);
  const shown = e.slice(0, limit).map(([k, n]) => `${k.replace(/\|/g, '\\|')} ×${fmt(n)}`);
  if (e.length > limit) shown.push(`… ${e.length - limit} more`);
  return shown.join(', ') || '—';
}

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function classRows(t: Tally): string[][] {
  return [...t.rows.entries()].map(([cls, r]: [string, ClassRow]) => [cls, fmt(r.cases), String(Object.keys(r.kinds).length), counts(r.answers), counts(r.errors, 4)]);
}

function damageLine(d: Damage): string {
  const contract =
    d.ajaxExpiries + d.unrecovered + d.earlyExpiries > 0
      ? `; plain Ajax clients forgotten after their grace period ${d.ajaxExpiries} (pushes lost by Sente's at-most-once contract ${d.pushesLostAtExpiry}), forgotten early ${d.earlyExpiries}, gaps beyond the push log ${d.unrecovered} (${d.pushesLostBeyondLog} pushes)`
      : '';
  const catchUp =
    (d.slowestCatchUpMs > 1000 ? `; the slowest caught up ${(d.slowestCatchUpMs / 1000).toFixed(1)} s after the push stream stopped` : '') +
    (d.pushesLate > 0 ? `; late (still queued in order at the server when the wait ended) ${d.pushesLate}` : '') +
    (d.pushesDroppedAtBound > 0 ? `; dropped at a plain client's queue bound, reported (ERR_SENTE_QUEUE_OVERFLOW) ${d.pushesDroppedAtBound}` : '');
  return `${damageCount(d)} (good clients ${d.clients}: replies ${fmt(d.repliesOk)}/${fmt(d.requests)}, pushes seen ${fmt(d.pushesSeen)}/${fmt(d.pushesSent)}, missing ${d.pushesMissing}, out of order ${d.pushesOutOfOrder}, closed ${d.unexpectedCloses}${contract}${catchUp})`;
}

/** The hostile-input table: one row per input class, then the totals. */
export function hostileMarkdown(h: HostileReport, decoder: { tally: Tally; wallMs: number }): string {
  const serverSide = h.tally.total() - (h.tally.rows.get('crashes')?.cases ?? 0);
  return [
    `### Hostile input (seed ${h.seed}; ${h.servers.length} servers: ${h.servers.join(', ')})`,
    '',
    table(['input class', 'cases', 'sub-classes', 'answers seen', 'server `onError` codes'], [...classRows(h.tally), ...classRows(decoder.tally)]),
    '',
    `Hostile inputs sent to servers: **${fmt(serverSide)}**; fed to packer decoders directly: **${fmt(decoder.tally.total())}**. ` +
      `Crashes: **${h.crashes}**. Leaks: **${h.leaks.clean ? 0 : Object.keys(h.leaks.servers).length + Object.keys(h.leaks.resources).length}**. ` +
      `Damage to good clients: **${damageLine(h.damage)}**. Wall time ${Math.round((h.wallMs + decoder.wallMs) / 1000)} s.`,
  ].join('\n');
}

export function faultsMarkdown(f: FaultReport): string {
  const leaks = Object.values(f.leaks).filter((l) => !l.clean).length;
  return [
    `### Faults (seed ${f.seed}; servers ${f.servers.join(', ')})`,
    '',
    table(['fault', 'cases', 'sub-classes', 'answers seen', 'server `onError` codes'], classRows(f.tally)),
    '',
    `Pushes sent during outages (within the grace period): **${f.outagePushes}**, lost: **${f.lostWithinWindow}**. ` +
      `Pushes of the steady stream lost at cuts and restarts (written to a dying socket; no replay before issue 8): ${f.lostInFlight}. ` +
      `Crashes: **${f.crashes}**. Servers with leaks: **${leaks}**. Aborted-POST codes by adapter: ${Object.entries(f.abortedPostCodes)
        .map(([a, c]) => `${a} ${c.join('+') || 'none'}`)
        .join(', ')}. Wall time ${Math.round(f.wallMs / 1000)} s.`,
  ].join('\n');
}

export function soakMarkdown(s: SoakReport): string {
  return [
    `### Soak (seed ${s.seed}; servers ${s.servers.join(', ')})`,
    '',
    table(
      ['sample (after forced GC)', 'elapsed', 'heap MB', 'RSS MB', 'handles', 'Sente timers', 'connected uids', 'ws clients', 'ajax clients', 'queued batches', 'pending replies'],
      s.samples.map((x) => [x.at, `${Math.round(x.elapsedMs / 1000)} s`, String(x.heapUsedMB), String(x.rssMB), String(x.handles), String(x.timers), String(x.connectedUids), String(x.wsClients), String(x.ajaxClients), String(x.queuedBatches), String(x.pendingReplies)]),
    ),
    '',
    `Client cycles: **${fmt(Object.values(s.cycles).reduce((a, b) => a + b, 0))}** (${counts(s.cycles)}); their requests: ${fmt(s.requests)}, unanswered ${s.replyFailures}. ` +
      `Crashes: **${s.crashes}**. Leaks: **${s.leaks.clean ? 0 : Object.keys(s.leaks.servers).length + Object.keys(s.leaks.resources).length}**. Damage to good clients: **${damageLine(s.damage)}**. Wall time ${Math.round(s.wallMs / 1000)} s.`,
  ].join('\n');
}

export function findingsMarkdown(findings: Finding[], held: (id: string) => boolean): string {
  if (findings.length === 0) return '### Findings\n\nNone.';
  return [
    '### Findings',
    '',
    table(
      ['finding', 'status', 'what', 'seen on', 'times', 'reproduce'],
      findings.map((f) => [`\`${f.id}\``, held(f.id) ? 'known (held out of CI)' : '**new**', f.what.replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 300), f.servers.join(', '), String(f.count), `\`${f.reproduce}\``]),
    ),
  ].join('\n');
}
