#!/usr/bin/env node
// Installs the system packages the test suites drive for real (Debian's
// Chromium for the browser tests, redis-server for the Redis backplane,
// nginx as the load balancer of the cluster tests, openssl for the client's HTTPS
// test's certificate, valgrind for the benchmark's instruction counts) when they are missing. Needs root and
// apt-get; elsewhere it says what to install and exits non-zero.
import { execSync, spawnSync } from 'node:child_process';

const wanted = [
  { bin: 'chromium', pkg: 'chromium' },
  { bin: 'redis-server', pkg: 'redis-server' },
  { bin: 'nginx', pkg: 'nginx' },
  { bin: 'openssl', pkg: 'openssl' },
  { bin: 'valgrind', pkg: 'valgrind' },
];
const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
const missing = wanted.filter((w) => !has(w.bin));
if (missing.length === 0) process.exit(0);

const names = missing.map((m) => m.pkg).join(' ');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !has('apt-get')) {
  console.error(`The tests need these system packages: ${names}. Install them (e.g. apt-get install ${names}) and run again.`);
  process.exit(1);
}
console.log(`Installing ${names} with apt-get ...`);
execSync('apt-get update -qq', { stdio: 'inherit' });
execSync(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${names}`, { stdio: 'inherit' });
