import { afterEach, describe, expect, it } from 'vitest';
import { startExample } from '../src/app.js';
import type { Example } from '../src/app.js';

let example: Example | undefined;
afterEach(async () => {
  await example?.close();
  example = undefined;
});

describe('the example mounts the inspector at /inspector', () => {
  it('serves the page and its script to a local viewer', async () => {
    example = await startExample({ port: 0 });
    const page = await fetch(new URL('/inspector', example.url));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('data-feed="/inspector/chsk"');
    const script = await fetch(new URL('/inspector/inspector.js', example.url));
    expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
  });
});
