import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

const bin = mkdtempSync(join(tmpdir(), 'sente-path-'));
symlinkSync(process.execPath, join(bin, 'node'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

describe('npm run example:cluster', () => {
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
