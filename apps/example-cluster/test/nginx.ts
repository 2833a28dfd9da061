import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@sente/adapter-conformance/redis-server';

/** Debian's nginx as a round-robin balancer with no affinity, on a free loopback port. */
export interface Nginx {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly pid: number;
  /** Stops it (SIGTERM: nginx's fast shutdown, then SIGKILL after 3 s) and removes its directory. */
  stop(): Promise<void>;
  /** Whether the master process still runs. */
  readonly running: boolean;
}

/**
 * The balancer's configuration: every request and every WebSocket upgrade to
 * the next upstream in turn (nginx's default round-robin, no `ip_hash`, no
 * sticky cookie); WebSocket upgrade headers passed on; no buffering, so that a
 * push leaves as soon as the server writes it; and a read timeout above the
 * long-poll's (20 s by default), so that nginx never cuts a parked poll.
 */
export function nginxConfig(dir: string, port: number, upstreams: readonly number[], asRoot: boolean): string {
  return `# Generated for a test: everything in ${dir}.
daemon off;
${asRoot ? 'user root;\n' : ''}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream sente {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n')}
  }
  map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sente;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
      proxy_send_timeout 60s;
    }
  }
}
`;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts `nginx` (Debian's, `NGINX` to override) in front of `upstreams` (ports on 127.0.0.1). */
export async function startNginx(upstreams: readonly number[]): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'sente-nginx-'));
  const port = await freePort();
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  await writeFile(join(dir, 'nginx.conf'), nginxConfig(dir, port, upstreams, asRoot));
  const bin = process.env['NGINX'] ?? (asRoot ? '/usr/sbin/nginx' : 'nginx');
  // -e: the error log before the configuration is read (the default one is not ours to write).
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => {});
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start (install Debian's nginx: apt-get install nginx):\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        child.kill('SIGTERM');
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
