import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Bundles a script of this folder (`browser-page.ts`, say) for the browser, from the packages' sources. */
async function bundle(file: string, format: 'esm' | 'iife'): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL(`./${file}`, import.meta.url))],
    bundle: true,
    write: false,
    platform: 'browser',
    format,
    target: 'es2022',
    conditions: ['@sente/source'],
    logLevel: 'silent',
  });
  return out.outputFiles[0]?.text ?? '';
}

/** A test file's Chromium and the scripts its pages load; set before the first test. */
export interface Chromium {
  readonly browser: Browser;
  /** browser-page.ts, bundled as a module. */
  readonly pageScript: string;
  /** shared-worker.ts, bundled as a classic script (empty unless asked for). */
  readonly workerScript: string;
}

/**
 * Registers a beforeAll that bundles the page script (and, with `worker`,
 * the shared worker script) and launches Debian's Chromium, and an afterAll
 * that closes it.
 */
export function useChromium(options: { worker?: boolean } = {}): Chromium {
  let browser: Browser | undefined;
  let pageScript = '';
  let workerScript = '';
  beforeAll(async () => {
    pageScript = await bundle('browser-page.ts', 'esm');
    if (options.worker) workerScript = await bundle('shared-worker.ts', 'iife');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      if (browser === undefined) throw new Error('Chromium is not launched yet');
      return browser;
    },
    get pageScript() {
      return pageScript;
    },
    get workerScript() {
      return workerScript;
    },
  };
}
