import { connect } from 'node:net';

/**
 * Redis's own CPU time so far, in µs (`INFO CPU`: used_cpu_sys +
 * used_cpu_user of the server process, main thread and background threads),
 * read over one short-lived connection so that the bench needs no Redis
 * client of its own. A saturated Redis answers late: the timeout is long, so
 * that it is measured rather than reported as a failure.
 */
export function redisCpuUs(port: number, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => fail(new Error(`INFO CPU: no answer from Redis on port ${port} within ${timeoutMs} ms`)), timeoutMs);
    function fail(e: Error): void {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    }
    socket.once('error', fail);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      // A bulk string: `$<length>\r\n<body>\r\n`.
      const m = /^\$(\d+)\r\n/.exec(text);
      if (m === null || text.length < m[0].length + Number(m[1]) + 2) return;
      clearTimeout(timer);
      socket.destroy();
      const field = (name: string): number => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(text)?.[1] ?? Number.NaN);
      const seconds = field('used_cpu_sys') + field('used_cpu_user');
      if (Number.isFinite(seconds)) resolve(seconds * 1e6);
      else reject(new Error(`INFO CPU: unexpected answer ${JSON.stringify(text.slice(0, 200))}`));
    });
    socket.write('*2\r\n$4\r\nINFO\r\n$3\r\nCPU\r\n');
  });
}
