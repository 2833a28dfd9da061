import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@sente/source'] },
  ssr: { resolve: { conditions: ['@sente/source'] } },
  // --expose-gc: the keyword interning test proves that unreferenced keywords are collected.
  test: { name: 'core', include: ['test/**/*.test.ts'], execArgv: ['--expose-gc'] },
});
