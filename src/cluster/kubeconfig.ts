/**
 * Kubeconfig loading the way kubectl does it (--kubeconfig, KUBECONFIG, ~/.kube/config,
 * in-cluster), with one clear E_KUBECONFIG message per way a kubeconfig can be unusable:
 * not YAML, not a kubeconfig, no or unknown current-context, no server, plain http://.
 */
import * as k8s from '@kubernetes/client-node';
import { MeshprobeError } from '../shared/errors.js';

/** Where the kubeconfig comes from (the CLI's --kubeconfig / --context), and the per-request limit. */
export interface KubeClientOptions {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  /** Every API call is cancelled after this many milliseconds (default {@link DEFAULT_REQUEST_TIMEOUT_MS}). */
  readonly requestTimeoutMs?: number | undefined;
}

/** Default per-request limit: a hung API server must never hang meshprobe. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Where a pod's service account token is mounted; client-node's loadFromDefault uses in-cluster config only when it exists. */
const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** The library's placeholder when it found no configuration at all. */
const FALLBACK_SERVER = 'http://localhost:8080';

const KUBECONFIG_HINT = 'Pass --kubeconfig <file>, set KUBECONFIG, or run inside a cluster with a service account.';

/** Read the file (or the default chain) into `kc`; one clear E_KUBECONFIG per way it can fail. */
function readKubeConfig(kc: k8s.KubeConfig, options: KubeClientOptions, source: string): void {
  try {
    if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    const e = err as { code?: unknown; name?: unknown; mark?: { line?: unknown } };
    if (e.name === 'YAMLException') {
      const line = typeof e.mark?.line === 'number' ? ` (line ${e.mark.line + 1})` : '';
      throw new MeshprobeError('E_KUBECONFIG', `kubeconfig ${source} is not valid YAML${line}`, {
        hint: 'Fix the file, or point --kubeconfig / KUBECONFIG at the kubeconfig of the cluster (kubectl config view --raw).',
        cause: err,
      });
    }
    if (typeof e.code !== 'string') {
      throw new MeshprobeError(
        'E_KUBECONFIG',
        `kubeconfig ${source} is not a kubeconfig (expected apiVersion: v1, kind: Config with clusters, users and contexts)`,
        {
          hint: KUBECONFIG_HINT,
          cause: err,
        },
      );
    }
    throw new MeshprobeError('E_KUBECONFIG', `cannot read kubeconfig ${source} (${e.code})`, {
      hint: KUBECONFIG_HINT,
      cause: err,
    });
  }
}

/** Select --context, or check the file's current-context. */
function chooseContext(kc: k8s.KubeConfig, options: KubeClientOptions, source: string): void {
  const names = kc.getContexts().map((c) => c.name);
  const known = names.length > 0 ? `Known contexts: ${names.join(', ')}.` : 'The kubeconfig has no contexts.';
  if (options.context !== undefined) {
    if (!names.includes(options.context)) {
      throw new MeshprobeError('E_KUBECONFIG', `context "${options.context}" is not in kubeconfig ${source}`, {
        hint: known,
      });
    }
    kc.setCurrentContext(options.context);
    return;
  }
  // loadFromDefault with nothing found invents one context; anything else is the user's file.
  const invented =
    options.kubeconfig === undefined && kc.getCurrentCluster()?.server === FALLBACK_SERVER && names.length <= 1;
  if (invented && process.env['KUBERNETES_SERVICE_HOST']) {
    // In a pod: client-node takes the in-cluster config only when the service account token is mounted.
    throw new MeshprobeError(
      'E_KUBECONFIG',
      `running in a pod (KUBERNETES_SERVICE_HOST is set) but no service account token is mounted at ${SERVICE_ACCOUNT_TOKEN}`,
      {
        hint: 'Give the pod a ServiceAccount bound to `meshprobe rbac` and automountServiceAccountToken: true (meshprobe schedule does both).',
      },
    );
  }
  if (invented) {
    throw new MeshprobeError('E_KUBECONFIG', 'no kubeconfig found and not running inside a cluster', {
      hint: 'Pass --kubeconfig <file> or set KUBECONFIG to the cluster you want to test.',
    });
  }
  if (names.length === 0 && kc.getClusters().length === 0) {
    throw new MeshprobeError(
      'E_KUBECONFIG',
      `kubeconfig ${source} is not a kubeconfig (it has no clusters and no contexts)`,
      { hint: KUBECONFIG_HINT },
    );
  }
  const current: unknown = kc.getCurrentContext();
  if (typeof current !== 'string' || current === '') {
    throw new MeshprobeError('E_KUBECONFIG', `kubeconfig ${source} has no current-context`, {
      hint: `Pass --context <name>. ${known}`,
    });
  }
  if (!names.includes(current)) {
    throw new MeshprobeError(
      'E_KUBECONFIG',
      `the current-context "${current}" of kubeconfig ${source} is not one of its contexts`,
      { hint: `Pass --context <name>. ${known}` },
    );
  }
}

/** Load the kubeconfig the way kubectl would; E_KUBECONFIG when missing, unreadable, or unusable. */
export function loadKubeConfig(options: KubeClientOptions): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  const source = options.kubeconfig ?? process.env['KUBECONFIG'] ?? '~/.kube/config';
  readKubeConfig(kc, options, source);
  chooseContext(kc, options, source);
  const context = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (cluster === null || typeof cluster.server !== 'string' || cluster.server === '') {
    throw new MeshprobeError(
      'E_KUBECONFIG',
      `context "${context}" of kubeconfig ${source} names no cluster with a server address`,
      {
        hint: "Check the context's cluster: entry and that clusters: lists it with a server: URL.",
      },
    );
  }
  if (cluster.server.startsWith('http://') && cluster.skipTLSVerify !== true) {
    throw new MeshprobeError(
      'E_KUBECONFIG',
      `the API server ${cluster.server} of context "${context}" is plain http://, which the Kubernetes client refuses`,
      {
        hint: 'Use the https:// address of the API server (kubectl cluster-info shows it); a throw-away test cluster may set insecure-skip-tls-verify: true.',
      },
    );
  }
  return kc;
}
