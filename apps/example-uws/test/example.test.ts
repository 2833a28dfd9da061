import { afterAll, beforeAll, describe, it } from 'vitest';
import { chatScenario, expectCsrfRefused, launchChromium } from '@sente/example-chat/scenario';
import type { Browser } from 'playwright-core';
import { startExample } from '../src/app.js';

let example: Awaited<ReturnType<typeof startExample>>;
let browser: Browser;

beforeAll(async () => {
  example = await startExample({ port: 0 });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await example?.close();
});

describe('the uWebSockets.js example chat (edn) in a real browser', () => {
  it('pushes to all of a user’s tabs in order, broadcasts, and lists connected users by transport', async () => {
    await chatScenario(browser, example.url);
  });

  it('refuses Sente requests without the page’s CSRF token', async () => {
    await expectCsrfRefused(example.url);
  });
});
