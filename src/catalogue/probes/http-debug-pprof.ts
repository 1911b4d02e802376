import type { Probe } from '../../domain/probe.js';
import { isTcp, isWorkloadPort, mayBeHttp } from './port-kind.js';

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
    if (!isTcp(port)) return `port ${port.port} is ${port.protocol}; HTTP needs TCP`;
    if (!isWorkloadPort(port)) return `port ${port.port} is a mesh by-design port (${port.meshBypass})`;
    if (!mayBeHttp(port)) return `port ${port.port} is named ${port.appProtocol ?? port.name}, not HTTP`;
    return true;
  },
  request() {
    return { technique: 'http', http: { method: 'GET', path: '/debug/pprof/' } };
  },
};
