import { describe, expect, it } from 'vitest';
import { dialPort, listenOnLoopbackPortZero } from '../src/rewrite.js';

describe('the one rewrite of a quick start', () => {
  it('moves each server form from port 3000 to port 0 of 127.0.0.1, and changes nothing else', () => {
    expect(listenOnLoopbackPortZero('sente.attach(app.listen(3000)); // 3000', 'x')).toBe("sente.attach(app.listen(0, '127.0.0.1')); // 3000");
    expect(listenOnLoopbackPortZero('await app.listen({ port: 3000 });', 'x')).toBe("await app.listen({ port: 0, host: '127.0.0.1' });");
    expect(listenOnLoopbackPortZero("app.listen('0.0.0.0', 3000, (t) => {});", 'x')).toBe("app.listen('127.0.0.1', 0, (t) => {});");
  });

  it('points a client at the server’s port', () => {
    expect(dialPort("createSenteClient('http://127.0.0.1:3000/chsk', null)", 41234, 'x')).toBe("createSenteClient('http://127.0.0.1:41234/chsk', null)");
  });

  it('refuses a block with nothing to rewrite, naming it', () => {
    expect(() => listenOnLoopbackPortZero('app.listen(8080);', 'README.md#1')).toThrow('README.md#1: no listen(3000)');
    expect(() => dialPort("createSenteClient('/chsk', null)", 1, 'README.md#2')).toThrow('README.md#2: no http://127.0.0.1:3000 URL');
  });
});
