import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * The browser script: `browser/main.ts` with @sente/client bundled in, built
 * by esbuild on the first request and kept for the life of the process.
 */
let script: Promise<string> | undefined;

/** The bundled page script (built once per process). */
export function pageScript(): Promise<string> {
  script ??= bundle().catch((e: unknown) => {
    // A failed build is retried on the next request rather than cached.
    script = undefined;
    throw e;
  });
  return script;
}

async function bundle(): Promise<string> {
  // From src/ (the workspace, tests) or dist/ (the published package, which ships src/ too).
  const entry = [new URL('./browser/main.ts', import.meta.url), new URL('../src/browser/main.ts', import.meta.url)]
    .map((u) => fileURLToPath(u))
    .find((p) => existsSync(p));
  if (entry === undefined) throw new Error('@sente/inspector: the page script source (src/browser/main.ts) is missing');
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@sente/source'],
    logLevel: 'silent',
  });
  return out.outputFiles[0]?.text ?? '';
}

const escapeHtml = (s: string): string => s.replace(/[&"<>']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The inspector page: a shell that the script fills from the feed at `feedPath`. */
export function pageHtml(o: { title: string; scriptPath: string; feedPath: string; csrfToken: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="sente-inspector" data-feed="${escapeHtml(o.feedPath)}" data-csrf="${escapeHtml(o.csrfToken)}">
<title>${escapeHtml(o.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>${escapeHtml(o.title)}</h1>
  <span id="status" class="pill closed">connecting</span>
  <span id="updated" class="muted"></span>
</header>
<section id="counts" class="cards" aria-label="counts"></section>
<section id="charts" class="charts" aria-label="charts"></section>
<section id="cluster" class="panel nodes" aria-label="nodes" hidden>
  <h2>Nodes <span id="node-count" class="muted"></span></h2>
  <table id="nodes">
    <thead><tr><th>node</th><th>ws clients</th><th>ajax clients</th><th>events in / s</th><th>pushes out / s</th><th>queued</th><th>pending replies</th><th>errors</th></tr></thead>
    <tbody></tbody>
    <tfoot></tfoot>
  </table>
</section>
<section class="row">
  <div class="panel grow">
    <h2>Clients <span id="client-count" class="muted"></span></h2>
    <label class="filter">Filter by uid <input id="uid-filter" type="search" placeholder="uid contains…" autocomplete="off"></label>
    <table id="clients">
      <thead><tr><th>uid</th><th>client id</th><th>transport</th><th>since</th><th>queued</th><th>user agent</th><th>address</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="no-clients" class="muted">No clients connected.</p>
  </div>
  <div class="panel side">
    <h2>Errors by code</h2>
    <table id="errors"><tbody></tbody></table>
    <p id="no-errors" class="muted">None.</p>
    <h2>WebSocket closes by code</h2>
    <table id="closes"><tbody></tbody></table>
    <p id="no-closes" class="muted">None.</p>
    <h2>Replay and transports</h2>
    <p id="replay" class="muted">—</p>
    <p id="switches" class="muted">—</p>
    <p id="action-result" class="muted" role="status"></p>
  </div>
</section>
<script src="${escapeHtml(o.scriptPath)}"></script>
</body>
</html>
`;
}

const STYLE = `
:root { color-scheme: light dark; --fg:#1d2433; --muted:#6b7280; --line:#e5e7eb; --card:#f8fafc; --accent:#2563eb; --ok:#059669; --bad:#dc2626; }
@media (prefers-color-scheme: dark) { :root { --fg:#e5e7eb; --muted:#9ca3af; --line:#374151; --card:#111827; --accent:#60a5fa; } }
body { font: 14px/1.4 system-ui, sans-serif; color: var(--fg); margin: 0 auto; max-width: 1200px; padding: 16px; }
header { display: flex; align-items: baseline; gap: 12px; }
h1 { font-size: 20px; margin: 0 0 12px; } h2 { font-size: 15px; margin: 0 0 8px; }
.muted { color: var(--muted); }
.pill { border-radius: 999px; padding: 1px 10px; font-size: 12px; color: #fff; background: var(--muted); }
.pill.open { background: var(--ok); } .pill.closed { background: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 8px; margin-bottom: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
.card .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .label { font-size: 12px; color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(270px, 1fr)); gap: 8px; margin-bottom: 12px; }
.chart { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
.chart svg { display: block; width: 100%; height: 60px; }
.chart .head { display: flex; justify-content: space-between; font-size: 12px; color: var(--muted); }
.chart .now { color: var(--fg); font-weight: 600; font-variant-numeric: tabular-nums; }
.nodes { margin-bottom: 12px; } tr.total td { font-weight: 600; } tr.self td:first-child::after { content: ' (this node)'; color: var(--muted); font-weight: 400; }
.row { display: flex; gap: 12px; align-items: flex-start; }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px; }
.grow { flex: 1; min-width: 0; overflow-x: auto; } .side { width: 260px; }
.side h2 { margin-top: 14px; } .side h2:first-child { margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.tools { text-align: right; } td.id { font-family: ui-monospace, monospace; font-size: 12px; }
td.ua { max-width: 260px; overflow: hidden; text-overflow: ellipsis; }
tr.uid-row td { font-weight: 600; background: color-mix(in srgb, var(--accent) 8%, transparent); }
.filter { display: block; margin-bottom: 8px; font-size: 12px; color: var(--muted); }
.filter input { margin-left: 6px; }
.tag { font-size: 11px; border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; }
.tag.ws { color: var(--ok); } .tag.ajax { color: var(--accent); } .tag.away { color: var(--muted); }
button { font-size: 12px; }
`;
