/**
 * The agent against a test host in a network namespace with iptables rules inside it:
 * DROP → timeout, REJECT icmp-port-unreachable → refused, tcp-reset on the SYN →
 * refused, tcp-reset on data → reset, icmp-admin-prohibited → unreachable
 * (see netns-cases.ts for why the two tcp-reset rules differ).
 */
import t from 'tap';
import { runAttempt } from '../../../probes/agent/attempt.js';
import { netnsUnavailable } from '../../helpers/netns.js';
import { netnsCases, startNetnsTestHost } from './netns-cases.js';

// Root and `ip netns` are needed; CI has both (.ci/run installs iproute2 and iptables).
const unavailable = netnsUnavailable();

t.test(
  'iptables verdicts inside a test namespace map to transport results',
  { skip: unavailable ?? false },
  async (t) => {
    // Given a namespace host whose INPUT chain drops, rejects and resets per port
    const host = await startNetnsTestHost();
    t.teardown(host.destroy);
    // When the agent makes one tcp attempt per port
    const cases = netnsCases(host.address);
    const observations = await Promise.all(cases.map((c) => runAttempt(c.spec)));
    // Then each port shows the transport its rule produces
    cases.forEach((c, i) => {
      const obs = observations[i];
      t.test(c.sentence, async (t) => {
        t.equal(obs?.transport, c.transport, JSON.stringify(obs));
        if (c.errorCode !== undefined) t.equal(obs?.errorCode, c.errorCode);
      });
    });
  },
);
