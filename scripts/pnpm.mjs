#!/usr/bin/env node
// Runs the pinned pnpm (from package.json's packageManager) through npx, so a
// machine with only Node and npm can run every workspace command.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('../package.json', import.meta.url);
const { packageManager } = JSON.parse(readFileSync(root, 'utf8'));
const result = spawnSync('npx', ['--yes', packageManager, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { TURBO_TELEMETRY_DISABLED: '1', ...process.env },
});
process.exit(result.status ?? 1);
