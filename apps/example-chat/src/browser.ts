import { createSenteClient } from '@sente/client';
import { isCbSuccess } from '@sente/core';
import { packer } from '#packer';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
let csrfToken = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';

// ?type=ajax forces the Ajax transport, to try the fallback by hand.
const type = (new URLSearchParams(location.search).get('type') ?? 'auto') as 'auto' | 'ws' | 'ajax';
const client = createSenteClient('/chsk', () => csrfToken, { type, packer });

function log(text: string, cls = ''): void {
  const line = document.createElement('div');
  line.textContent = text;
  if (cls) line.className = cls;
  $('log').append(line);
  $('log').scrollTop = $('log').scrollHeight;
}

function showUsers(users: { ws: string[]; ajax: string[] }): void {
  $('users-ws').textContent = users.ws.join(', ') || '—';
  $('users-ajax').textContent = users.ajax.join(', ') || '—';
}

client.on('state', ({ new: s }) => {
  $('status').textContent = s.open ? 'open' : 'closed';
  $('status').className = `pill ${s.open ? 'open' : 'closed'}`;
  $('transport').textContent = s.type;
  $('uid').textContent = s.uid ?? '?';
});

client.startRouter((msg) => {
  switch (msg.id) {
    case 'chsk/handshake':
      log(`handshake: uid ${String((msg.data as unknown[])[0])}`, 'sys');
      client.send(['example/users', null], 5000, (users) => {
        if (isCbSuccess(users)) showUsers(users as { ws: string[]; ajax: string[] });
      });
      return;
    case 'chat/said': {
      const m = msg.data as { from: string; text: string };
      log(`${m.from}: ${m.text}`);
      return;
    }
    case 'example/pushed':
      log(`push #${(msg.data as { n: number }).n} to all my tabs`, 'sys');
      return;
    case 'example/users':
      showUsers(msg.data as { ws: string[]; ajax: string[] });
      return;
  }
});

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const user = $<HTMLInputElement>('user').value;
  void fetch('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
    body: JSON.stringify({ user }),
  })
    .then((r) => r.json() as Promise<{ uid: string | null; csrfToken: string }>)
    .then((r) => {
      csrfToken = r.csrfToken;
      log(r.uid ? `logged in as ${r.uid}` : 'logged out', 'sys');
      // The session changed: reconnect so that Sente reads the new uid.
      client.reconnect();
    });
});

$('say-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $<HTMLInputElement>('text');
  client.send(['chat/say', { text: input.value }], 5000, (reply) => {
    if (!isCbSuccess(reply)) log(`not sent: ${String(reply)}`, 'sys');
  });
  input.value = '';
});

$('push-me').addEventListener('click', () => client.send(['example/push-me', null], 5000, () => {}));
$('echo').addEventListener('click', () => {
  client.send(['example/echo', { at: Date.now() }], 2000, (reply) => log(`echo reply: ${JSON.stringify(reply)}`, 'sys'));
});
$('reconnect').addEventListener('click', () => client.reconnect());
