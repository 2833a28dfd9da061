import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@sente/source'] },
  ssr: { resolve: { conditions: ['@sente/source'] } },
  // One bounded run of every mode; each test holds its own deadline.
  test: { name: 'torture', include: ['test/**/*.test.ts'], testTimeout: 150_000, hookTimeout: 30_000 },
});
