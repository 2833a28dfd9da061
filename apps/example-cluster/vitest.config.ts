import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@sente/source'] },
  ssr: { resolve: { conditions: ['@sente/source'] } },
  test: { name: 'example-cluster', include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
