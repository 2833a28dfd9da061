import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/** The chat page and its browser script, built once per app. */
export interface ChatPage {
  /** The page, with the CSRF token embedded (Sente never sends it in the handshake). */
  html(csrfToken: string): string;
  /** The bundled browser script, served at `/browser.js`. */
  readonly script: string;
  /**
   * The icon, an SVG served at `/favicon.ico` with {@link FAVICON_TYPE}: the
   * page links it, and browsers that ask for `/favicon.ico` on their own get it too.
   */
  readonly favicon: string;
}

/** The content type of {@link ChatPage.favicon}. */
export const FAVICON_TYPE = 'image/svg+xml';

/**
 * Builds the chat page for an app: bundles the browser code from source with
 * the app's packer module (`packerModule`, an absolute path exporting `packer`),
 * so client and server always use the same packer.
 */
export async function buildChatPage(packerModule: string): Promise<ChatPage> {
  const [out, template, favicon] = await Promise.all([
    build({
      entryPoints: [here('./browser.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['@sente/source'],
      alias: { '#packer': packerModule },
      logLevel: 'silent',
    }),
    readFile(here('../public/index.html'), 'utf8'),
    readFile(here('../public/favicon.svg'), 'utf8'),
  ]);
  const script = out.outputFiles[0]?.text ?? '';
  return { html: (token) => template.replace('__CSRF_TOKEN__', escapeAttr(token)), script, favicon };
}

function escapeAttr(s: string): string {
  return s.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}
