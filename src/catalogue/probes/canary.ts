import type { Probe } from '../../domain/probe.js';

/**
 * The batch's reference attempt to the run's own echo pod: proves the probe pod's own egress
 * and DNS work, so that a "blocked" elsewhere in the batch means something (MESH-NOTES §D.4).
 */
export const canary: Probe = {
  id: 'canary',
  title: "Canary: the run's own echo pod",
  technique: 'http',
  vantages: ['probe-namespace', 'same-namespace', 'from-namespace'],
  secureLooksLike: 'The echo pod answers 200: the probe pod can reach something it should.',
  applies(target) {
    return target.ref.kind === 'Canary' ? true : `${target.ref.kind}/${target.ref.name} is not the run's canary`;
  },
  request(_target, _port, seed) {
    return { technique: 'http', http: { method: 'GET', path: `/__meshprobe/canary/${seed.slice(0, 16)}` } };
  },
};
