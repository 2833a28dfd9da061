import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Headless Debian Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** Bundles a browser module for a page, as a user's bundler would (the workspace's packages from source). */
export async function bundleForBrowser(entry: string): Promise<string> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@sente/source'],
    logLevel: 'silent',
  });
  return out.outputFiles[0]?.text ?? '';
}

/** What a page printed and threw: `console.log` lines, with objects as JSON, and uncaught errors. */
export function recordConsole(page: Page): { lines: string[]; errors: string[] } {
  const seen = { lines: [] as string[], errors: [] as string[] };
  page.on('console', (msg) => {
    void Promise.all(msg.args().map((a) => a.jsonValue().catch(() => String(a)))).then((values) => {
      seen.lines.push(values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(' '));
    });
  });
  page.on('pageerror', (e) => seen.errors.push(`${e.name}: ${e.message}`));
  return seen;
}
