/**
 * The agent's techniques against real servers on 127.0.0.1 (in-process, through
 * runAttempt): every wire behaviour in wire-cases.ts gives the observation it must.
 */
import t from 'tap';
import { runAttempt } from '../../../probes/agent/attempt.js';
import { mismatches, startWireCases } from './wire-cases.js';

t.test('each wire behaviour yields the observation it must', async (t) => {
  // Given real servers for every behaviour the verdicts depend on
  const wire = await startWireCases();
  t.teardown(wire.close);
  // When the agent makes every attempt (concurrently: they are independent)
  const observations = await Promise.all(wire.cases.map((c) => runAttempt(c.spec)));
  // Then each observation matches its row
  wire.cases.forEach((c, i) => {
    const obs = observations[i];
    t.test(c.sentence, async (t) => {
      t.ok(obs, 'an observation came back');
      if (obs === undefined) return;
      t.equal(obs.attemptId, c.spec.id);
      t.same(
        mismatches(obs, c.expect),
        [],
        `${c.spec.id}: ${JSON.stringify({ ...obs, tls: obs.tls && { ...obs.tls, peerChainPem: obs.tls.peerChainPem.length } })}`,
      );
    });
  });
});
