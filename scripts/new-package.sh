#!/usr/bin/env bash
# Usage: scripts/new-package.sh <dir> <name> "<description>"
set -euo pipefail
dir=$1; name=$2; desc=$3
mkdir -p "$dir/src" "$dir/test"
short=${name#@sente/}
cat > "$dir/package.json" <<JSON
{
  "name": "$name",
  "version": "0.1.0",
  "description": "$desc",
  "license": "EPL-1.0",
  "type": "module",
  "sideEffects": false,
  "engines": { "node": ">=20.19" },
  "main": "./dist/index.cjs",
  "module": "./dist/index.mjs",
  "types": "./dist/index.d.cts",
  "exports": {
    ".": {
      "@sente/source": "./src/index.ts",
      "import": { "types": "./dist/index.d.mts", "default": "./dist/index.mjs" },
      "require": { "types": "./dist/index.d.cts", "default": "./dist/index.cjs" }
    },
    "./package.json": "./package.json"
  },
  "files": ["dist"],
  "publishConfig": { "access": "public", "provenance": true },
  "scripts": {
    "build": "tsdown",
    "typecheck": "tsc -p tsconfig.json",
    "test": "vitest run"
  }
}
JSON
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "include": ["src", "test", "*.config.ts"]
}
JSON
cat > "$dir/tsdown.config.ts" <<TS
import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  platform: 'node',
  sourcemap: true,
  clean: true,
});
TS
cat > "$dir/vitest.config.ts" <<TS
import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@sente/source'] },
  ssr: { resolve: { conditions: ['@sente/source'] } },
  test: { name: '$short', include: ['test/**/*.test.ts'] },
});
TS
