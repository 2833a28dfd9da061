import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@sente/source'] },
  ssr: { resolve: { conditions: ['@sente/source'] } },
  test: { name: 'inspector', include: ['test/**/*.test.ts'], testTimeout: 20_000, hookTimeout: 20_000 },
});
