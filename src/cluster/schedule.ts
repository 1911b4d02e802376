/**
 * What a scheduled in-cluster run needs, as Kubernetes objects (issue 18): a Namespace, a
 * ServiceAccount bound to exactly the ClusterRole `meshprobe rbac` prints, a ConfigMap with the
 * run's options in the `--config` format, a PersistentVolumeClaim for the evidence bundles, and a
 * CronJob whose Job runs `meshprobe run` with the in-cluster service account. Pure.
 *
 * Nothing here carries `app.kubernetes.io/managed-by=meshprobe`: that label marks a run's own
 * objects, which `meshprobe cleanup` deletes — the schedule is installed by the user and kept.
 */
import { renderRbac } from './rbac.js';
import type { KubeObject } from './ports.js';

/** Default schedule: 06:00 UTC on the first day of each quarter (Requirement 11: at least every three months). */
export const DEFAULT_SCHEDULE = '0 6 1 1,4,7,10 *';

/** Where the options file and its companion files are mounted in the Job's container. */
export const CONFIG_MOUNT = '/etc/meshprobe';
/** Name of the options file inside {@link CONFIG_MOUNT}. */
export const CONFIG_KEY = 'run.yaml';
/** Where the signing-key Secret is mounted (`--sign-key-secret`). */
export const SIGN_KEY_MOUNT = '/etc/meshprobe-sign-key';
/** Key of the signing key inside that Secret. */
export const SIGN_KEY_KEY = 'sign-key.pem';
/** Where the bundle volume is mounted; the Job's working directory, so bundles land in ./reports/<run-id>/. */
export const DATA_MOUNT = '/var/lib/meshprobe';

/** Labels on every object of a schedule (never managed-by: see the file comment). */
export function scheduleLabels(name: string): Readonly<Record<string, string>> {
  return {
    'app.kubernetes.io/part-of': 'meshprobe',
    'app.kubernetes.io/component': 'scheduled-run',
    'meshprobe.io/schedule': name,
  };
}

/** Everything the objects are built from. */
export interface ScheduleSpec {
  /** Name of the CronJob, ServiceAccount, ConfigMap and PVC. */
  readonly name: string;
  /** Namespace they live in (created, labelled for PSA restricted). */
  readonly namespace: string;
  /** Cron expression. */
  readonly schedule: string;
  /** IANA time zone of the schedule. */
  readonly timeZone: string;
  /** Image holding the meshprobe CLI (entrypoint `meshprobe`). */
  readonly image: string;
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** The scheduled run's options, in the `--config` format. */
  readonly configYaml: string;
  /** Further files the options refer to (approved flows, CA bundle), key → content, mounted next to the options. */
  readonly files: Readonly<Record<string, string>>;
  /** Size of the bundle volume, e.g. "1Gi". */
  readonly storageSize: string;
  /** StorageClass of the bundle volume; undefined = the cluster's default class. */
  readonly storageClass: string | undefined;
  /** Secrets whose keys become environment variables of the run (MESHPROBE_* settings, upload credentials). */
  readonly envFromSecrets: readonly string[];
  /** Secret holding the bundle signing key (key `sign-key.pem`), mounted read-only; undefined = unsigned. */
  readonly signKeySecret: string | undefined;
  /** Hard limit of one Job: the run's --timeout plus time for cleanup and writing the bundle. */
  readonly activeDeadlineSeconds: number;
}

/** Name of the ClusterRole and ClusterRoleBinding: cluster-scoped, so the namespace is part of it. */
export function clusterRoleName(spec: Pick<ScheduleSpec, 'name' | 'namespace'>): string {
  return `${spec.name}-scheduled-${spec.namespace}`;
}

/** The RBAC text, exactly as `meshprobe rbac --name <role> --service-account <ns>/<name>` prints it. */
export function scheduleRbac(spec: Pick<ScheduleSpec, 'name' | 'namespace'>): string {
  return renderRbac({
    name: clusterRoleName(spec),
    for: ['plan', 'run', 'cleanup'],
    subject: { kind: 'ServiceAccount', name: spec.name, namespace: spec.namespace },
  });
}

function meta(spec: ScheduleSpec, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: spec.name, namespace: spec.namespace, labels: scheduleLabels(spec.name), ...extra };
}

/** Namespace and ServiceAccount: what the RBAC binds to. */
export function identityObjects(spec: ScheduleSpec): readonly KubeObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: spec.namespace,
        labels: { ...scheduleLabels(spec.name), 'pod-security.kubernetes.io/enforce': 'restricted' },
      },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(spec) },
  ];
}

/** ConfigMap (options + files), PVC (bundles) and the CronJob. */
export function runObjects(spec: ScheduleSpec): readonly KubeObject[] {
  const pvcSpec: Record<string, unknown> = {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: spec.storageSize } },
  };
  if (spec.storageClass !== undefined) pvcSpec['storageClassName'] = spec.storageClass;
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(spec),
      data: { [CONFIG_KEY]: spec.configYaml, ...spec.files },
    },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta(spec), spec: pvcSpec },
    cronJob(spec),
  ];
}

function cronJob(spec: ScheduleSpec): KubeObject {
  const podLabels = { ...scheduleLabels(spec.name) };
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta(spec),
    spec: {
      schedule: spec.schedule,
      timeZone: spec.timeZone,
      // A quarter's run that overlaps the next is a problem to look at, not to double.
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 86_400,
      successfulJobsHistoryLimit: 4,
      failedJobsHistoryLimit: 4,
      jobTemplate: {
        metadata: { labels: podLabels },
        spec: {
          // Exit 1 (a control fails) is a result, not a crash: never re-run it.
          backoffLimit: 0,
          activeDeadlineSeconds: spec.activeDeadlineSeconds,
          ttlSecondsAfterFinished: 90 * 86_400,
          template: { metadata: { labels: podLabels }, spec: podSpec(spec) },
        },
      },
    },
  };
}

function podSpec(spec: ScheduleSpec): Record<string, unknown> {
  return {
    serviceAccountName: spec.name,
    // The run talks to the API server with this service account's token (in-cluster config).
    automountServiceAccountToken: true,
    restartPolicy: 'Never',
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: 'meshprobe',
        image: spec.image,
        imagePullPolicy: spec.imagePullPolicy,
        args: ['run', '--config', `${CONFIG_MOUNT}/${CONFIG_KEY}`],
        workingDir: DATA_MOUNT,
        env: [
          { name: 'HOME', value: '/tmp' },
          { name: 'NO_COLOR', value: '1' },
        ],
        ...(spec.envFromSecrets.length > 0
          ? { envFrom: spec.envFromSecrets.map((s) => ({ secretRef: { name: s } })) }
          : {}),
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        },
        volumeMounts: [
          { name: 'config', mountPath: CONFIG_MOUNT, readOnly: true },
          { name: 'bundles', mountPath: DATA_MOUNT },
          { name: 'tmp', mountPath: '/tmp' },
          ...(spec.signKeySecret === undefined
            ? []
            : [{ name: 'sign-key', mountPath: SIGN_KEY_MOUNT, readOnly: true }]),
        ],
      },
    ],
    volumes: [
      { name: 'config', configMap: { name: spec.name } },
      { name: 'bundles', persistentVolumeClaim: { claimName: spec.name } },
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
      ...(spec.signKeySecret === undefined
        ? []
        : [{ name: 'sign-key', secret: { secretName: spec.signKeySecret, defaultMode: 0o440 } }]),
    ],
  };
}
