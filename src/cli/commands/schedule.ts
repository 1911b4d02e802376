/**
 * `meshprobe schedule [--apply] [-- <run options>]`: everything a quarterly in-cluster run
 * needs (issue 18) — a CronJob, a ServiceAccount bound to exactly the RBAC `meshprobe rbac`
 * prints, a ConfigMap with the run's options in the `--config` format, and a PVC for the
 * bundles. Printed as YAML, or applied with server-side apply.
 */
import { readFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import pkg from '../../../package.json' with { type: 'json' };
import { applyObjects } from '../../cluster/install.js';
import {
  CONFIG_MOUNT,
  DEFAULT_SCHEDULE,
  identityObjects,
  runObjects,
  scheduleRbac,
  SIGN_KEY_KEY,
  SIGN_KEY_MOUNT,
  type ScheduleSpec,
} from '../../cluster/schedule.js';
import { dumpYaml, parseYamlDocuments } from '../../cluster/yaml.js';
import { configSource, readConfigFile, usageError } from '../../config/load.js';
import type { Options } from '../../config/options.js';
import { parseRunArgs, renderConfig, RUN_ARGS_SOURCE } from '../../config/run-args.js';
import { scopeIssues, validateOptions, type Issue, type RawSource } from '../../config/validate.js';
import { MeshprobeError } from '../../shared/errors.js';
import type { CliCommand, CliContext } from '../command.js';
import { EXIT } from '../../shared/exit-codes.js';

/** Default CLI image: what a release publishes (see README "Scheduled in-cluster runs"). */
export const DEFAULT_IMAGE = `ghcr.io/meshprobe/meshprobe:${pkg.version}`;

/** Options a scheduled run cannot take, and why. */
const NOT_SCHEDULABLE: Readonly<Partial<Record<keyof Options, string>>> = {
  kubeconfig: 'does not apply: the scheduled run uses its in-cluster service account',
  context: 'does not apply: the scheduled run uses its in-cluster service account',
  outputDir: 'does not apply: each scheduled run writes reports/<run-id>/ on the bundle volume',
  signKey:
    'cannot name a key file on this machine: put the key in a Secret (key sign-key.pem) ' +
    'and pass --sign-key-secret',
};

/** Option keys whose value is a file on this machine: its content travels in the ConfigMap. */
const FILE_OPTIONS: Readonly<Partial<Record<keyof Options, string>>> = {
  approvedFlows: 'approved-flows.yaml',
  caFile: 'ca-bundle.pem',
};

/** The scheduled run's options: validated, the keys the user gave, and the problems. Pure. */
export function scheduledRunOptions(
  config: RawSource | undefined,
  words: readonly string[],
): { options?: Options; keys: ReadonlySet<keyof Options>; issues: Issue[] } {
  const args = parseRunArgs(words);
  const sources = [...(config ? [config] : []), { name: RUN_ARGS_SOURCE, values: args.values }];
  const keys = new Set<keyof Options>();
  for (const s of sources) {
    for (const k of Object.keys(s.values) as (keyof Options)[]) if (k !== 'configFile') keys.add(k);
  }
  const issues: Issue[] = [...args.issues];
  for (const k of keys) {
    const why = NOT_SCHEDULABLE[k];
    if (why !== undefined) issues.push({ option: k, source: 'scheduled run', message: why });
  }
  const result = validateOptions(sources);
  issues.push(...result.issues);
  if (result.options) issues.push(...scopeIssues(result.options));
  return { ...(result.options && issues.length === 0 ? { options: result.options } : {}), keys, issues };
}

/** Read the files file-valued options name; the options then point at their mounted copies. */
async function embedFiles(
  options: Options,
  keys: ReadonlySet<keyof Options>,
): Promise<{ options: Options; files: Record<string, string> }> {
  const files: Record<string, string> = {};
  const out: Record<string, unknown> = { ...options };
  for (const [key, file] of Object.entries(FILE_OPTIONS) as [keyof Options, string][]) {
    const path = options[key];
    if (!keys.has(key) || typeof path !== 'string') continue;
    files[file] = await readFile(path, 'utf8').catch((err: unknown) => {
      const flag = key === 'caFile' ? '--ca-file' : '--approved-flows';
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new MeshprobeError('E_USAGE', `${flag} ${path} cannot be read (${code})`, {
        hint: "The file is copied into the schedule's ConfigMap; give a path on this machine.",
      });
    });
    out[key] = `${CONFIG_MOUNT}/${file}`;
  }
  return { options: out as unknown as Options, files };
}

function str(args: Readonly<Record<string, unknown>>, key: string, fallback: string): string {
  const v = args[key];
  return typeof v === 'string' && v !== '' ? v : fallback;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Problems with the schedule's own flags. Pure. */
export function scheduleFlagIssues(a: Readonly<Record<string, unknown>>): Issue[] {
  const issues: Issue[] = [];
  const add = (option: string, message: string): void => void issues.push({ option, source: 'command line', message });
  for (const k of ['name', 'install-namespace']) {
    const v = str(a, k, 'meshprobe');
    if (!DNS_LABEL.test(v) || v.length > 40) {
      add(`--${k}`, `"${v}" must be a lower-case DNS label of at most 40 characters (e.g. meshprobe)`);
    }
  }
  const cron = str(a, 'schedule', DEFAULT_SCHEDULE);
  if (!/^(@(yearly|annually|monthly|weekly|daily|hourly)|(\S+\s+){4}\S+)$/.test(cron.trim())) {
    add('--schedule', `"${cron}" is not a cron expression of five fields (e.g. "${DEFAULT_SCHEDULE}")`);
  }
  const size = str(a, 'storage-size', '1Gi');
  if (!/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.test(size)) {
    add('--storage-size', `"${size}" is not a quantity like 1Gi`);
  }
  return issues;
}

async function configOf(ctx: CliContext): Promise<RawSource | undefined> {
  const path = typeof ctx.args['config'] === 'string' ? ctx.args['config'] : process.env['MESHPROBE_CONFIG'];
  if (path === undefined) return undefined;
  const cfg = configSource(path, await readConfigFile(path));
  if (cfg.issues.length > 0) throw usageError(cfg.issues);
  return cfg.source;
}

async function specOf(ctx: CliContext): Promise<ScheduleSpec> {
  const a = ctx.args;
  const words = Array.isArray(a['--']) ? (a['--'] as unknown[]).map(String) : [];
  const run = scheduledRunOptions(await configOf(ctx), words);
  const issues = [...scheduleFlagIssues(a), ...run.issues];
  if (issues.length > 0 || !run.options) throw usageError(issues);
  const embedded = await embedFiles(run.options, run.keys);
  const signKeySecret = typeof a['sign-key-secret'] === 'string' ? a['sign-key-secret'] : undefined;
  const runOptions =
    signKeySecret === undefined
      ? embedded.options
      : { ...embedded.options, signKey: `${SIGN_KEY_MOUNT}/${SIGN_KEY_KEY}` };
  const keys = new Set(run.keys);
  if (signKeySecret !== undefined) keys.add('signKey');
  const envFrom = a['env-from-secret'];
  return {
    name: str(a, 'name', 'meshprobe'),
    namespace: str(a, 'install-namespace', 'meshprobe'),
    schedule: str(a, 'schedule', DEFAULT_SCHEDULE),
    timeZone: str(a, 'time-zone', 'Etc/UTC'),
    image: str(a, 'image', DEFAULT_IMAGE),
    imagePullPolicy: str(a, 'image-pull-policy', 'IfNotPresent') as ScheduleSpec['imagePullPolicy'],
    configYaml:
      `# meshprobe run options (--config format), written by meshprobe schedule ${pkg.version}\n` +
      renderConfig(runOptions, keys),
    files: embedded.files,
    storageSize: str(a, 'storage-size', '1Gi'),
    storageClass: typeof a['storage-class'] === 'string' ? a['storage-class'] : undefined,
    envFromSecrets: Array.isArray(envFrom) ? envFrom.map(String) : typeof envFrom === 'string' ? [envFrom] : [],
    signKeySecret,
    // The run's own limit, plus time to clean up and write the bundle after it.
    activeDeadlineSeconds: runOptions.timeout + 300,
  };
}

function runNow(spec: ScheduleSpec): string {
  return `kubectl create job -n ${spec.namespace} --from=cronjob/${spec.name} ${spec.name}-now`;
}

/** The whole schedule as one multi-document YAML text (the RBAC exactly as `meshprobe rbac` prints it). */
export async function scheduleYaml(spec: ScheduleSpec): Promise<string> {
  const docs = [
    ...(await Promise.all(identityObjects(spec).map((o) => dumpYaml(o)))),
    scheduleRbac(spec),
    ...(await Promise.all(runObjects(spec).map((o) => dumpYaml(o)))),
  ];
  const header = [
    `# meshprobe ${pkg.version}: scheduled run "${spec.name}" in namespace ${spec.namespace}, ` +
      `cron "${spec.schedule}" (${spec.timeZone}).`,
    `# Run it now: ${runNow(spec)}`,
    `# Bundles: PVC ${spec.namespace}/${spec.name}, directory reports/<run-id>/ (check with meshprobe verify).`,
  ];
  return `${header.join('\n')}\n${docs.map((d) => d.trimEnd()).join('\n---\n')}\n`;
}

async function scheduleCommand(ctx: CliContext): Promise<number> {
  const spec = await specOf(ctx);
  const text = await scheduleYaml(spec);
  if (ctx.args['apply'] !== true) {
    ctx.stdout(text);
    return EXIT.OK;
  }
  const objects = (await parseYamlDocuments(text)) as Parameters<typeof applyObjects>[0];
  const o = ctx.options;
  const lines = await applyObjects(objects, {
    kubeconfig: o.kubeconfig,
    context: o.context,
    requestTimeoutMs: o.requestTimeout * 1000,
    signal: ctx.signal,
  });
  ctx.stdout(`${lines.join('\n')}\nRun it now: ${runNow(spec)}\n`);
  return EXIT.OK;
}

/** `meshprobe schedule` */
export const scheduleCliCommand: CliCommand = {
  command: 'schedule',
  describe: 'Print (or --apply) a CronJob, ServiceAccount + RBAC, ConfigMap and PVC for scheduled in-cluster runs',
  groups: ['cluster'],
  builder(y: Argv): Argv {
    const str = (describe: string): { type: 'string'; requiresArg: true; describe: string } => ({
      type: 'string',
      requiresArg: true,
      describe,
    });
    return y
      .parserConfiguration({ 'populate--': true })
      .usage('$0 schedule [options] -- <options of the scheduled run, e.g. --scope pci.scope=cde>')
      .option('apply', { type: 'boolean', describe: 'Apply the objects (server-side apply) instead of printing them' })
      .option('schedule', str(`Cron expression (default "${DEFAULT_SCHEDULE}": 06:00, first day of each quarter)`))
      .option('time-zone', str('Time zone of the schedule (default Etc/UTC)'))
      .option('image', str(`Image with the meshprobe CLI (default ${DEFAULT_IMAGE})`))
      .option('image-pull-policy', {
        type: 'string',
        choices: ['Always', 'IfNotPresent', 'Never'],
        describe: 'Pull policy of that image (default IfNotPresent)',
      })
      .option('install-namespace', str('Namespace of the CronJob, ServiceAccount, ConfigMap, PVC (default meshprobe)'))
      .option('name', str('Name of those objects (default meshprobe)'))
      .option('storage-size', str('Size of the bundle volume (default 1Gi)'))
      .option('storage-class', str('StorageClass of the bundle volume (default: the cluster default)'))
      .option('env-from-secret', {
        ...str(
          "Secret whose keys become the run's environment (MESHPROBE_* settings, upload credentials); " + 'repeatable',
        ),
        array: true,
      })
      .option('sign-key-secret', str('Secret with key sign-key.pem: the run signs its bundle with it'))
      .example('$0 schedule -- --scope pci.scope=cde > meshprobe-schedule.yaml', 'print the objects for review')
      .example('$0 schedule --apply --config quarterly.yaml', 'install with the options of quarterly.yaml') as Argv;
  },
  run: scheduleCommand,
};
