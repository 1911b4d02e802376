/**
 * DISCOVER (DESIGN §1 step 1): read-only I/O through the ClusterApi port. Reads everything
 * in parallel; a missing mesh CRD is "not installed" (undefined), never an error.
 */
import type { ClusterApi, KubeObject, ListKind } from '../cluster/ports.js';
import type { ClusterSnapshot, MeshObjects } from './snapshot.js';

async function items(api: ClusterApi, kind: ListKind, signal: AbortSignal | undefined): Promise<readonly KubeObject[]> {
  const r = await api.list(kind, signal === undefined ? {} : { signal });
  return r.kind === 'items' ? r.items : [];
}

async function optional(
  api: ClusterApi,
  kind: ListKind,
  signal: AbortSignal | undefined,
): Promise<readonly KubeObject[] | undefined> {
  const r = await api.list(kind, signal === undefined ? {} : { signal });
  return r.kind === 'items' ? r.items : undefined;
}

/** Read the cluster into a snapshot. Throws MeshprobeError (E_FORBIDDEN names what was denied). */
export async function discover(api: ClusterApi, signal?: AbortSignal): Promise<ClusterSnapshot> {
  const info = api.info();
  const [version, namespaces, pods, services, nodes, endpointSlices, networkPolicies] = await Promise.all([
    api.version(signal),
    items(api, 'namespaces', signal),
    items(api, 'pods', signal),
    items(api, 'services', signal),
    items(api, 'nodes', signal),
    items(api, 'endpointslices', signal),
    items(api, 'networkpolicies', signal),
  ]);
  const [pa, iap, sc, dr, srv, saz, lap, mtls, na, cnp] = await Promise.all(
    (
      [
        'peerauthentications',
        'authorizationpolicies.istio',
        'sidecars',
        'destinationrules',
        'servers',
        'serverauthorizations',
        'authorizationpolicies.linkerd',
        'meshtlsauthentications',
        'networkauthentications',
        'ciliumnetworkpolicies',
      ] as const
    ).map((k) => optional(api, k, signal)),
  );
  const mesh: MeshObjects = {
    ...(pa ? { peerAuthentications: pa } : {}),
    ...(iap ? { istioAuthorizationPolicies: iap } : {}),
    ...(sc ? { sidecars: sc } : {}),
    ...(dr ? { destinationRules: dr } : {}),
    ...(srv ? { servers: srv } : {}),
    ...(saz ? { serverAuthorizations: saz } : {}),
    ...(lap ? { linkerdAuthorizationPolicies: lap } : {}),
    ...(mtls ? { meshTlsAuthentications: mtls } : {}),
    ...(na ? { networkAuthentications: na } : {}),
    ...(cnp ? { ciliumNetworkPolicies: cnp } : {}),
  };
  return {
    cluster: { server: info.server, context: info.context, ...(version ? { version } : {}) },
    namespaces,
    pods,
    services,
    nodes,
    endpointSlices,
    networkPolicies,
    mesh,
  };
}
