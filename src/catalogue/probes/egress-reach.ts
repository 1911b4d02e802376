import type { Probe } from '../../domain/probe.js';
import { isTcp } from './port-kind.js';

/**
 * Egress from the CDE (1.3.2): a TCP connect from a pod in a CDE namespace (from-namespace
 * vantage) to each user-named --egress-target. Nothing outside the cluster is contacted
 * unless the user names it; targets of kind Endpoint stand for those names.
 */
export const egressReach: Probe = {
  id: 'egress-reach',
  title: 'Egress from the CDE to a named outside destination',
  technique: 'tcp',
  vantages: ['from-namespace'],
  secureLooksLike: 'The connection from the CDE namespace is dropped or rejected, while the canary connects.',
  applies(target, port) {
    if (target.ref.kind !== 'Endpoint') {
      return `${target.ref.kind}/${target.ref.name} is not a user-named --egress-target`;
    }
    return isTcp(port) ? true : `port ${port.port} is ${port.protocol}; probed by egress-udp`;
  },
  request() {
    return { technique: 'tcp' };
  },
};
