import { Rng } from '../rng.js';
import { ServerProcess } from '../server/child-process.js';
import { TORTURE_TIMING } from '../server/protocol.js';
import { ISOLATED_WHILE_KNOWN, isolated } from '../known-defects.js';
import { judge } from './expectations.js';
import { runHttpCase, upgradeCase } from './http-cases.js';
import { TcpConversation } from '../net/tcp-conversation.js';
import type { AdapterName } from '../server/adapters.js';
import type { Findings, Tally } from '../report/tally.js';

/**
 * Tries the known defects that can take a server process down, each in a
 * process of its own (restarted after a crash): the answers go in the same
 * table; a crash or a close that hangs is a finding of its own.
 */
export async function probeIsolated(seed: number, adapters: readonly AdapterName[], casesEach: number, deadlineMs: number, tally: Tally, findings: Findings): Promise<void> {
  for (const adapter of adapters) {
    for (const clsKind of ISOLATED_WHILE_KNOWN) {
      if (!isolated(clsKind, adapter)) continue;
      const [cls = '', kind = ''] = clsKind.split('/');
      const rng = new Rng(seed).fork(`isolated ${clsKind}@${adapter}`);
      const key = `${adapter}/json`;
      const repro = `npm run torture -- --mode hostile --seed ${seed} --servers ${key}  # isolated ${clsKind}`;
      let proc = await ServerProcess.start({ servers: [{ key, adapter, packer: 'json' }], timing: TORTURE_TIMING });
      for (let i = 0; i < casesEach; i++) {
        const c = upgradeCase(rng, proc.port(key), `isolated-${i}`, [kind]);
        const answer = await runHttpCase(proc.port(key), c, deadlineMs);
        tally.add(cls, kind, answer);
        const wrong = judge(cls, kind, answer);
        if (wrong !== undefined) findings.add(`${clsKind}@${adapter}`, wrong, key, repro);
        // The case ends with a TCP reset from the client; a server that did not own the socket dies of it.
        await new Promise((r) => setTimeout(r, 100));
        if (!proc.alive) {
          const line = (proc.exit?.stderr ?? '').split('\n').find((l) => /Error/.test(l)) ?? '';
          findings.add(`crash/${cls}-${kind}@${adapter}`, `the server process exited (${proc.exit?.code ?? proc.exit?.signal}) after a client reset the connection: ${line.trim()}`, key, repro);
          tally.add('crashes', clsKind, `exit ${proc.exit?.code ?? proc.exit?.signal}`);
          proc = await ServerProcess.start({ servers: [{ key, adapter, packer: 'json' }], timing: TORTURE_TIMING });
        }
      }
      // One more, left unanswered and open while the server closes: does the close wait for it?
      const c = upgradeCase(rng, proc.port(key), 'isolated-close', [kind]);
      const held = await TcpConversation.open(proc.port(key));
      held.write(c.request);
      await held.wait(() => held.received.length > 0, 300);
      const exit = await proc.close(2000);
      held.socket.end();
      if (exit.signal === 'SIGKILL') findings.add(`close-hang/${cls}-${kind}@${adapter}`, 'the server did not finish closing within 2 s while the unanswered upgrade was open', key, repro);
    }
  }
}
