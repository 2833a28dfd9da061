import { startExample } from './app.js';

const example = await startExample({ port: Number(process.env['PORT'] ?? 3003), host: process.env['HOST'] ?? '127.0.0.1' });
console.log(`Sente example chat (uWebSockets.js) on ${example.url} — open it in two tabs, log in, and chat.`);

const stop = (): void => {
  void example.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
