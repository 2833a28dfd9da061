import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@sente/source'] },
  ssr: { resolve: { conditions: ['@sente/source'] } },
  test: {
    name: 'typed-contracts',
    include: ['test/**/*.test.ts'],
    // The type tests: `*.test-d.ts` files checked by tsc, a wrong type (or a
    // `@ts-expect-error` that no longer errs) failing the run.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
