/**
 * `meshprobe rbac`: print the least-privilege ClusterRole (and optionally a binding) that
 * meshprobe needs, derived from the same permission list the cluster adapter uses.
 */
import type { Argv } from 'yargs';
import { renderRbac, type RbacOptions } from '../../cluster/rbac.js';
import type { Need } from '../../cluster/permissions.js';
import { MeshprobeError } from '../../shared/errors.js';
import type { CliCommand, CliContext } from '../command.js';
import { EXIT } from '../../shared/exit-codes.js';

function subjectOf(args: Readonly<Record<string, unknown>>): RbacOptions['subject'] {
  const given = (['user', 'group', 'service-account'] as const).filter(
    (k) => typeof args[k] === 'string' && args[k] !== '',
  );
  if (given.length > 1) throw new MeshprobeError('E_USAGE', 'give at most one of --user, --group, --service-account');
  const key = given[0];
  if (key === undefined) return undefined;
  const value = String(args[key]);
  if (key === 'service-account') {
    const [namespace, name] = value.split('/');
    if (!namespace || !name) throw new MeshprobeError('E_USAGE', `--service-account "${value}" must be namespace/name`);
    return { kind: 'ServiceAccount', name, namespace };
  }
  return { kind: key === 'user' ? 'User' : 'Group', name: value };
}

async function rbacCommand(ctx: CliContext): Promise<number> {
  const scope = ctx.args['for'] === 'plan' ? 'plan' : 'run';
  const needs: Need[] = scope === 'plan' ? ['plan'] : ['plan', 'run', 'cleanup'];
  const name =
    typeof ctx.args['name'] === 'string' && ctx.args['name'] !== ''
      ? ctx.args['name']
      : scope === 'plan'
        ? 'meshprobe-plan'
        : 'meshprobe';
  const subject = subjectOf(ctx.args);
  ctx.stdout(renderRbac({ name, for: needs, ...(subject ? { subject } : {}) }));
  return EXIT.OK;
}

/** `meshprobe rbac` */
export const rbacCliCommand: CliCommand = {
  command: 'rbac',
  describe: 'Print the least-privilege RBAC (ClusterRole YAML) meshprobe needs',
  groups: [],
  builder(y: Argv): Argv {
    return y
      .option('for', {
        type: 'string',
        choices: ['run', 'plan'],
        default: 'run',
        describe: 'run (and cleanup) needs create/delete; plan is read-only',
      })
      .option('name', {
        type: 'string',
        requiresArg: true,
        describe: 'ClusterRole name (default meshprobe / meshprobe-plan)',
      })
      .option('user', { type: 'string', requiresArg: true, describe: 'Also print a ClusterRoleBinding for this user' })
      .option('group', {
        type: 'string',
        requiresArg: true,
        describe: 'Also print a ClusterRoleBinding for this group',
      })
      .option('service-account', {
        type: 'string',
        requiresArg: true,
        describe: 'Also print a ClusterRoleBinding for namespace/name',
      })
      .example('$0 rbac --user alice | kubectl apply -f -', 'grant alice what meshprobe run needs') as Argv;
  },
  run: rbacCommand,
};
