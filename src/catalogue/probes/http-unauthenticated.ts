import type { Probe } from '../../domain/probe.js';
import { httpWorkloadPort } from './port-kind.js';

/**
 * Unauthenticated admin surface: GET /metrics without credentials on a workload port.
 * Metrics leak internals and are an unnecessary function on a CDE port (2.2.4, 7.2.x, 8.3.1).
 */
export const httpUnauthenticated: Probe = {
  id: 'http-unauthenticated',
  title: 'Unauthenticated GET /metrics on a workload port',
  technique: 'http',
  vantages: ['probe-namespace', 'same-namespace'],
  secureLooksLike:
    'The request is refused, reset, or answered 401/403/404; no metrics are served without authentication.',
  applies(_target, port) {
    return httpWorkloadPort(port);
  },
  request() {
    return { technique: 'http', http: { method: 'GET', path: '/metrics' } };
  },
};
