import type { Probe } from '../../domain/probe.js';

/**
 * Anonymous Kubernetes API (MESH-NOTES §E.1): GET /api/v1/namespaces without a token.
 * Only /version and health endpoints should answer anonymously; 200 here means a binding to
 * system:anonymous or system:unauthenticated exposes cluster data.
 */
export const apiserverAnonymous: Probe = {
  id: 'apiserver-anonymous',
  title: 'Anonymous Kubernetes API request',
  technique: 'http',
  vantages: ['probe-namespace'],
  secureLooksLike: 'The API server answers 401 or 403 (system:anonymous cannot list namespaces).',
  applies(target) {
    return target.ref.kind === 'ApiServer' ? true : `${target.ref.kind}/${target.ref.name} is not the API server`;
  },
  request() {
    return { technique: 'http', http: { method: 'GET', path: '/api/v1/namespaces', tls: true } };
  },
};
