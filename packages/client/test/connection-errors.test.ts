import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HINTS, connectionError as make, isTerminal } from '../src/connection-errors.js';
import { STATUS_HINTS, errorForStatus as forStatus, errorOfWsEvent as ofWsEvent } from '../src/status-errors.js';

const errorForStatus = (status: number) => forStatus(status, make);
const errorOfWsEvent = (event: unknown) => ofWsEvent(event, make);

const doc = (path: string) => readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8');
const codes = [...Object.keys(HINTS), ...Object.keys(STATUS_HINTS)];

describe('connection errors', () => {
  it('are listed, each with whether it stops the retries, in the client options reference and the troubleshooting guide', () => {
    const reference = doc('docs/reference/client-options.md');
    const guide = doc('docs/guides/troubleshooting.md');
    for (const code of codes) {
      const row = reference.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
      expect(row, code).toBeDefined();
      expect(row?.endsWith(isTerminal(code) ? '| stops (`rejected`) |' : '| with backoff |'), code).toBe(true);
      expect(guide, code).toContain(`\`${code}\``);
    }
  });

  it('carry their code, their hint as the message, and the HTTP status', () => {
    expect(errorForStatus(403)).toMatchObject({ name: 'SenteError', code: 'ERR_SENTE_FORBIDDEN', status: 403, message: STATUS_HINTS.ERR_SENTE_FORBIDDEN });
    expect(errorForStatus(500)).toBeUndefined();
    expect(make('ERR_SENTE_CONNECT_TIMEOUT')).toMatchObject({ code: 'ERR_SENTE_CONNECT_TIMEOUT', status: undefined });
  });

  it("read the ws package's error events; browsers' events say nothing", () => {
    expect(errorOfWsEvent({ message: 'Unexpected server response: 404' })).toMatchObject({ code: 'ERR_SENTE_NOT_FOUND', status: 404 });
    expect(errorOfWsEvent({ message: 'Unexpected server response: 401' })).toMatchObject({ code: 'ERR_SENTE_UNAUTHORIZED' });
    expect(errorOfWsEvent({ message: 'connect ECONNREFUSED 127.0.0.1:9' })).toMatchObject({ code: 'ERR_SENTE_UNREACHABLE', message: STATUS_HINTS.ERR_SENTE_UNREACHABLE });
    expect(errorOfWsEvent({ type: 'error' })).toBeUndefined();
    expect(errorOfWsEvent(null)).toBeUndefined();
  });
});
