import type { Probe } from '../../domain/probe.js';
import { isTcp } from './port-kind.js';

/**
 * Segmentation: a plain TCP connect that then sends a few bytes. Planned from every
 * out-of-scope namespace (from-namespace) and from the fresh probe namespace toward every
 * CDE target port (1.3.1, 11.4.5/11.4.6).
 */
export const tcpReach: Probe = {
  id: 'tcp-reach',
  title: 'TCP reachability (segmentation)',
  technique: 'tcp',
  vantages: ['from-namespace', 'probe-namespace'],
  secureLooksLike:
    'The connection is dropped or rejected before TCP completes, while the allowed control path and the canary still connect.',
  applies(_target, port) {
    return isTcp(port) ? true : `port ${port.port} is ${port.protocol}; only TCP is probed`;
  },
  request() {
    return { technique: 'tcp' };
  },
};
