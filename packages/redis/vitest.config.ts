import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@sente/source'] },
  ssr: { resolve: { conditions: ['@sente/source'] } },
  test: { name: 'redis', include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});
