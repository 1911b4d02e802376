/**
 * The narrow port between meshprobe and a Kubernetes API server. Everything outside
 * src/cluster/ talks to the cluster only through this interface; the adapter in
 * kube-client.ts implements it over @kubernetes/client-node, test/fakes/cluster-api.ts
 * implements it over fixture JSON. Errors thrown are MeshprobeErrors with stable codes.
 */
import type { PermissionId } from './permissions.js';

/** The subset of object metadata meshprobe reads or writes. */
interface KubeMetadata {
  readonly name?: string;
  readonly generateName?: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly uid?: string;
  readonly ownerReferences?: readonly {
    readonly kind: string;
    readonly name: string;
    readonly apiVersion?: string;
    readonly uid?: string;
    readonly controller?: boolean;
    readonly blockOwnerDeletion?: boolean;
  }[];
  readonly creationTimestamp?: string;
  readonly deletionTimestamp?: string;
}

/** Any API object, as plain JSON (what the server sends and accepts). */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: KubeMetadata;
  readonly spec?: unknown;
  readonly status?: unknown;
  readonly data?: Readonly<Record<string, string>>;
  readonly [extra: string]: unknown;
}

/** Resources `list` can read: core and discovery kinds, plus custom resources that may be absent. */
export type ListKind =
  | 'namespaces'
  | 'pods'
  | 'services'
  | 'nodes'
  | 'endpointslices'
  | 'networkpolicies'
  | 'configmaps'
  | CustomKind;

/** Custom resources read during discovery; a missing CRD (404) is "not installed", not an error. */
export type CustomKind =
  | 'peerauthentications'
  | 'authorizationpolicies.istio'
  | 'sidecars'
  | 'destinationrules'
  | 'servers'
  | 'serverauthorizations'
  | 'authorizationpolicies.linkerd'
  | 'meshtlsauthentications'
  | 'networkauthentications'
  | 'ciliumnetworkpolicies';

/** Resources meshprobe creates and deletes. */
export type WriteKind = 'namespaces' | 'configmaps' | 'pods' | 'services';

/** Result of a list: items, or the API is not served (CRD not installed). */
export type ListResult =
  | { readonly kind: 'items'; readonly items: readonly KubeObject[] }
  | { readonly kind: 'not-installed'; readonly resource: string };

/** Options of a list call. */
export interface ListOptions {
  /** Omit for all namespaces (or cluster-scoped kinds). */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly signal?: AbortSignal;
}

/** Which kubeconfig context and server the adapter talks to (for the report; no secrets). */
export interface ClusterInfo {
  readonly server: string;
  readonly context: string;
}

/** One permission check result from a SelfSubjectAccessReview. */
export interface AccessCheck {
  readonly permission: PermissionId;
  readonly namespace?: string;
  readonly allowed: boolean;
  readonly reason?: string;
}

/** The narrow cluster API (DESIGN §2). */
export interface ClusterApi {
  /** Context and server; no I/O. */
  info(): ClusterInfo;
  /** Server gitVersion, e.g. "v1.34.4"; undefined when /version is not readable. */
  version(signal?: AbortSignal): Promise<string | undefined>;
  /** List objects of one kind. Throws MeshprobeError (E_FORBIDDEN, E_API, ...). */
  list(kind: ListKind, options?: ListOptions): Promise<ListResult>;
  /** Create an object; returns what the server stored. */
  create(kind: WriteKind, namespace: string | undefined, body: KubeObject, signal?: AbortSignal): Promise<KubeObject>;
  /** Delete an object; 'absent' when it was already gone (so deletes are idempotent). */
  delete(
    kind: WriteKind,
    namespace: string | undefined,
    name: string,
    signal?: AbortSignal,
  ): Promise<'deleted' | 'absent'>;
  /** Read one pod (status for waiting); undefined when it does not exist. */
  readPod(namespace: string, name: string, signal?: AbortSignal): Promise<KubeObject | undefined>;
  /** The full log of one container. */
  readPodLog(namespace: string, name: string, container: string, signal?: AbortSignal): Promise<string>;
  /** Ask the server whether the current user may do each thing (SelfSubjectAccessReview). */
  checkAccess(
    checks: readonly { readonly permission: PermissionId; readonly namespace?: string }[],
    signal?: AbortSignal,
  ): Promise<readonly AccessCheck[]>;
}
