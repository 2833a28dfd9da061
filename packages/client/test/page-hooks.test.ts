import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harness } from './support/clients.js';
import { FakeWebSocket } from './support/fake-web-socket.js';

/** A page: `window` and `document` as event targets, like a browser's. */
class FakeDocument extends EventTarget {
  visibilityState: 'visible' | 'hidden' = 'visible';
}

const g = globalThis as { window?: EventTarget; document?: FakeDocument };
let win: EventTarget;
let doc: FakeDocument;

beforeEach(() => {
  win = new EventTarget();
  doc = new FakeDocument();
  g.window = win;
  g.document = doc;
});

afterEach(() => {
  delete g.window;
  delete g.document;
  FakeWebSocket.reset();
});

/** Gets the client into a backoff wait (attempt 2). */
const intoBackoff = () => {
  FakeWebSocket.last.serverClose();
  FakeWebSocket.last.serverClose();
};

describe('page events (browsers)', () => {
  it('reconnects at once when the browser comes back online instead of waiting out the backoff', () => {
    const { client, clock } = harness({ type: 'ws' });
    intoBackoff();
    expect(client.state.udtNextReconnect).not.toBeNull();
    win.dispatchEvent(new Event('online'));
    expect(FakeWebSocket.instances).toHaveLength(3);
    // The backoff wait is gone; only the new socket's connect timeout runs.
    expect(client.state.udtNextReconnect).toBeNull();
    expect(clock.delays).toEqual([10_000]);
  });

  it('reconnects at once when the tab becomes visible, not when it hides', () => {
    harness({ type: 'ws' });
    intoBackoff();
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(FakeWebSocket.instances).toHaveLength(2);
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(FakeWebSocket.instances).toHaveLength(3);
  });

  it('pings an open socket when the tab becomes visible, to find a socket that died while hidden', () => {
    harness({ type: 'ws' });
    FakeWebSocket.last.handshake();
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(FakeWebSocket.last.frames.map((f) => (f as [unknown])[0])).toEqual([['chsk/ws-ping']]);
  });

  it('does not reconnect while the page unloads', () => {
    const { client, clock } = harness({ type: 'ws' });
    FakeWebSocket.last.handshake();
    win.dispatchEvent(new Event('beforeunload'));
    FakeWebSocket.last.serverClose(1001, '', true);
    clock.advance(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(client.state.open).toBe(false);
    // Back from the back/forward cache: connect again.
    win.dispatchEvent(new Event('pageshow'));
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('stops listening to the page after disconnect()', () => {
    const { client } = harness({ type: 'ws' });
    client.disconnect();
    win.dispatchEvent(new Event('online'));
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});
