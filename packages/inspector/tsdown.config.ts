import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  platform: 'node',
  sourcemap: true,
  clean: true,
  // import.meta.url in the CommonJS build: the page script's source is found next to the module.
  shims: true,
});
