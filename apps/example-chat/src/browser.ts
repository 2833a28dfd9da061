import { createSenteClient } from '@sente/client';
import { NIL_UID, isBadEventReply, isCbSuccess } from '@sente/core';
import { packer } from '#packer';
import type { Chat, UsersView } from './contract.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
let csrfToken = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';

// ?type=ajax forces the Ajax transport, to try the fallback by hand.
const type = (new URLSearchParams(location.search).get('type') ?? 'auto') as 'auto' | 'ws' | 'ajax';
const client = createSenteClient<Chat>('/chsk', () => csrfToken, { type, packer });

/** Users who have not logged in have Sente's nil uid: the page calls them anonymous. */
const isAnonymous = (uid: string | null | undefined): boolean => uid === NIL_UID || uid == null;

/** A uid as the page shows it: the name, or "anonymous" in grey. */
function userBadge(uid: string | null | undefined): HTMLElement {
  const span = document.createElement('span');
  span.className = isAnonymous(uid) ? 'user anon' : 'user';
  span.textContent = isAnonymous(uid) ? 'anonymous' : String(uid);
  return span;
}

function log(parts: (string | HTMLElement)[], cls = ''): void {
  const line = document.createElement('div');
  line.append(...parts);
  if (cls) line.className = cls;
  $('log').append(line);
  $('log').scrollTop = $('log').scrollHeight;
}

function showUsers(users: UsersView): void {
  for (const [id, uids] of [['users-ws', users.ws], ['users-ajax', users.ajax]] as const) {
    const parts = uids.flatMap((uid, i) => (i === 0 ? [userBadge(uid)] : [', ', userBadge(uid)]));
    $(id).replaceChildren(...(parts.length ? parts : ['—']));
  }
}

const elapsed = (since: number): string => `${Math.round(performance.now() - since)} ms`;

client.on('state', ({ new: s }) => {
  $('status').textContent = s.open ? 'open' : 'closed';
  $('status').className = `pill ${s.open ? 'open' : 'closed'}`;
  $('transport').textContent = s.type;
  if (!s.open) $('rtt').textContent = '—';
  $('uid').replaceChildren(s.uid === null ? '?' : userBadge(s.uid));
  // Logged in: offer the log-out; anonymous: the login form.
  const loggedIn = s.uid !== null && !isAnonymous(s.uid);
  $('login-form').hidden = loggedIn;
  $('logout').hidden = !loggedIn;
});

// The round trip, live: a small request every 2 s while open, timed from send to reply.
function measureRoundTrip(): void {
  if (!client.state.open) return;
  const sent = performance.now();
  client.send(['example/ping', null], 5000, (reply) => {
    $('rtt').textContent = isCbSuccess(reply) ? elapsed(sent) : '—';
  });
}
setInterval(measureRoundTrip, 2000);

client.startRouter((msg) => {
  switch (msg.id) {
    case 'chsk/handshake': {
      const uid = msg.data[0];
      log(['connected as ', userBadge(uid), ` over ${client.state.type}`], 'sys');
      client.send(['example/users', null], 5000, (users) => {
        if (isCbSuccess(users) && !isBadEventReply(users)) showUsers(users);
      });
      measureRoundTrip();
      return;
    }
    case 'chat/said': {
      log([userBadge(msg.data.from), `: ${msg.data.text}`]);
      return;
    }
    case 'example/pushed':
      log([`push #${msg.data.n} to all my tabs`], 'sys');
      return;
    case 'example/users':
      showUsers(msg.data);
      return;
  }
});

/**
 * Logs in as `user`, or out with `''`: a new session, then a reconnect so that
 * Sente reads the new uid. The session and its CSRF token change under the
 * connection, so Sente pauses meanwhile: a long-poll answered between the new
 * cookie and the new token would otherwise go out with the old token (403).
 */
async function setUser(user: string): Promise<void> {
  client.disconnect();
  try {
    const res = await fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: JSON.stringify({ user }),
    });
    if (!res.ok) return log([`login failed: ${res.status} ${res.statusText}`], 'err');
    const r = (await res.json()) as { uid: string | null; csrfToken: string };
    csrfToken = r.csrfToken;
    log(r.uid ? ['logged in as ', userBadge(r.uid)] : ['logged out'], 'sys');
  } finally {
    client.connect();
  }
}

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $<HTMLInputElement>('user');
  const user = input.value.trim();
  if (!user) return;
  input.value = '';
  void setUser(user);
});
$('logout').addEventListener('click', () => void setUser(''));

$('say-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $<HTMLInputElement>('text');
  const text = input.value.trim();
  if (!text) return;
  const sent = performance.now();
  client.send(['chat/say', { text }], 5000, (reply) => {
    if (isCbSuccess(reply)) log([`✓ delivered to everyone (reply in ${elapsed(sent)})`], 'reply');
    else log([`✗ not delivered: ${String(reply)}`], 'err');
  });
  input.value = '';
});

$('push-me').addEventListener('click', () => {
  client.send(['example/push-me', null], 5000, (reply) => {
    if (isCbSuccess(reply)) log(['✓ the server pushed 3 events to all my tabs'], 'reply');
    else log([`✗ push-me: ${String(reply)}`], 'err');
  });
});
$('echo').addEventListener('click', () => {
  const sent = performance.now();
  client.send(['example/echo', { at: Date.now() }], 2000, (reply) => {
    if (!isCbSuccess(reply) || isBadEventReply(reply)) return log([`✗ echo: ${String(reply)}`], 'err');
    log(['✓ echo from the server: you are ', userBadge(reply.uid), ` over ${reply.transport} (${elapsed(sent)})`], 'reply');
  });
});
$('reconnect').addEventListener('click', () => client.reconnect());
