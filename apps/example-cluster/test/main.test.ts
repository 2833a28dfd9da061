import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

const bin = mkdtempSync(join(tmpdir(), 'sente-path-'));
symlinkSync(process.execPath, join(bin, 'node'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm run example:cluster', () => {
  it('prints the one URL to open, serves the chat there, and stops everything it started on Ctrl-C', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
    delete env['REDIS_URL'];
    const child = spawn(process.execPath, ['--conditions=@sente/source', '--import', 'tsx', MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    try {
      await expect.poll(() => out, { timeout: 45_000, interval: 200 }).toMatch(/Ctrl-C stops everything/);
      const url = /Sente example chat on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1] as string;
      const redis = /users shared on redis:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1] as string;
      const nodes = /Each process directly: (.*)/.exec(out)?.[1]?.split(' ') ?? [];
      expect(nodes).toHaveLength(3);
      const ports = [url, ...nodes].map((u) => Number(new URL(u).port)).concat(Number(redis));
      for (const port of ports) expect(await accepts(port), String(port)).toBe(true);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<meta name="csrf-token"');

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      for (const port of ports) expect(await accepts(port), String(port)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  it('says how to install redis-server when it is missing, and exits non-zero', async () => {
    // A PATH with node on it and nothing else: no redis-server to find.
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin };
    delete env['REDIS_URL'];
    delete env['REDIS_SERVER'];
    const child = spawn(process.execPath, ['--conditions=@sente/source', '--import', 'tsx', MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(out).toContain('`redis-server` is not on the PATH');
    expect(out).toContain('sudo apt-get install redis-server');
    expect(out).toContain('brew install redis');
    expect(out).toContain('REDIS_URL=redis://127.0.0.1:6379 npm run example:cluster');
  });
});
