import type { Probe } from '../../domain/probe.js';

/**
 * Listener discovery (issue 13): a connect-only TCP sweep of a CDE pod from an unmeshed probe
 * pod in the pod's own namespace, over the default port list (src/catalogue/ports) plus every
 * declared port, or 1–65535 with `--ports all`. Planned by plan/sweep.ts as its own round
 * before the main plan: every listener found becomes a target port for all probes, and a
 * listener that no containerPort or Service port declares is a finding for 1.2.5 and 2.2.4.
 */
export const listenerSweep: Probe = {
  id: 'listener-sweep',
  title: 'Listener sweep (which TCP ports of a CDE pod accept a connection)',
  technique: 'sweep',
  vantages: ['same-namespace'],
  secureLooksLike: 'Only ports that a containerPort or a Service declares accept a connection.',
  applies(target) {
    if (target.ref.kind !== 'Pod')
      return `${target.ref.kind}/${target.ref.name} is not a pod; listeners are swept on pod addresses`;
    return target.inScope
      ? true
      : `${target.ref.namespace}/${target.ref.name} is outside the CDE; listeners are swept on CDE pods`;
  },
  request() {
    return { technique: 'sweep' };
  },
};
