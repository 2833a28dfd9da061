import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@sente/source'] },
  ssr: { resolve: { conditions: ['@sente/source'] } },
  test: { name: 'node', include: ['test/**/*.test.ts'] },
});
