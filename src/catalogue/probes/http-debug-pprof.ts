import type { Probe } from '../../domain/probe.js';
import { httpWorkloadPort } from './port-kind.js';

/**
 * Unauthenticated debug surface: GET /debug/pprof/ (Go profiler). It exposes command lines,
 * heap contents and goroutine stacks (2.2.4, 8.3.1).
 */
export const httpDebugPprof: Probe = {
  id: 'http-debug-pprof',
  title: 'Unauthenticated GET /debug/pprof/ on a workload port',
  technique: 'http',
  vantages: ['probe-namespace'],
  secureLooksLike: 'The request is refused, reset, or answered 401/403/404; no profiler is exposed.',
  applies(_target, port) {
    return httpWorkloadPort(port);
  },
  request() {
    return { technique: 'http', http: { method: 'GET', path: '/debug/pprof/' } };
  },
};
