import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does with a new connection:
 * - `pass`: forwards everything;
 * - `blackhole`: accepts and never answers;
 * - `blackhole-upgrades`: forwards plain HTTP, swallows WebSocket upgrades;
 * - `kill-upgrades`: forwards WebSocket upgrades, then cuts them `killAfterMs` later (a middlebox that kills WebSockets).
 */
export type ProxyMode = 'pass' | 'blackhole' | 'blackhole-upgrades' | 'kill-upgrades';

/** A loopback TCP proxy in front of a server, to refuse, black-hole or cut connections. */
export interface TcpProxy {
  /** `http://127.0.0.1:<proxy port>`. */
  readonly origin: string;
  mode: ProxyMode;
  /** For `kill-upgrades`. */
  killAfterMs: number;
  /** WebSocket upgrades seen, whatever the mode. */
  readonly upgrades: number;
  /** Connections accepted, whatever the mode. */
  readonly connections: number;
  /** Stops listening: new connections are refused (ECONNREFUSED); open ones are cut. */
  refuse(): Promise<void>;
  /** Listens again on the same port. */
  accept(): Promise<void>;
  /** Cuts every open connection, as a dropped network does. */
  cutAll(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) to `127.0.0.1:<targetPort>`. */
export async function startProxy(targetPort: number, mode: ProxyMode = 'pass'): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let upgrades = 0;
  let connections = 0;
  const track = (s: net.Socket): void => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((client) => {
    connections++;
    track(client);
    client.once('data', (first) => {
      const upgrade = /\r\nupgrade:\s*websocket/i.test(first.toString('latin1'));
      if (upgrade) upgrades++;
      const m = proxy.mode;
      if (m === 'blackhole' || (m === 'blackhole-upgrades' && upgrade)) {
        client.resume();
        return;
      }
      const upstream = net.connect(targetPort, '127.0.0.1');
      track(upstream);
      upstream.write(first);
      client.pipe(upstream);
      upstream.pipe(client);
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      if (m === 'kill-upgrades' && upgrade) {
        const t = setTimeout(() => {
          client.destroy();
          upstream.destroy();
        }, proxy.killAfterMs);
        client.on('close', () => clearTimeout(t));
      }
    });
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const cutAll = (): void => {
    for (const s of open) s.destroy();
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      cutAll();
      if (!server.listening) resolve();
      else server.close(() => resolve());
    });
  const proxy: TcpProxy = {
    origin: `http://127.0.0.1:${port}`,
    mode,
    killAfterMs: 50,
    get upgrades() {
      return upgrades;
    },
    get connections() {
      return connections;
    },
    refuse: stop,
    accept: () => listen(port),
    cutAll,
    close: stop,
  };
  return proxy;
}
