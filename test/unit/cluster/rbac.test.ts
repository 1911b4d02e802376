import t from 'tap';
import { loadYaml } from '@kubernetes/client-node';
import { renderRbac } from '../../../src/cluster/rbac.js';
import { isValidRunId, labelValue, managedSelector, runLabels } from '../../../src/cluster/labels.js';

t.test('the printed ClusterRole parses as YAML and merges verbs per resource', async (t) => {
  // When the run role is rendered with a binding for a user
  const text = renderRbac({ name: 'meshprobe', for: ['run', 'cleanup'], subject: { kind: 'User', name: 'alice' } });
  const [role, binding] = text.split('\n---\n').map((doc) => loadYaml(doc) as Record<string, unknown>);
  // Then it is a ClusterRole whose pods rule has exactly the verbs the code uses
  t.equal(role?.['kind'], 'ClusterRole');
  // The user keeps it: not labelled as a run's object (cleanup and leftover checks look for managed-by)
  t.same((role?.['metadata'] as { labels?: unknown } | undefined)?.labels, {
    'app.kubernetes.io/part-of': 'meshprobe',
  });
  const rules = role?.['rules'] as {
    apiGroups?: string[];
    resources?: string[];
    verbs: string[];
    nonResourceURLs?: string[];
  }[];
  const pods = rules.find((r) => r.resources?.[0] === 'pods');
  t.same(pods, { apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete', 'get', 'list'] });
  t.ok(rules.find((r) => r.resources?.[0] === 'pods/log'));
  t.ok(rules.find((r) => r.nonResourceURLs?.[0] === '/version'));
  t.notOk(
    rules.some((r) => r.verbs.includes('*') || r.resources?.includes('*')),
    'no wildcards',
  );
  t.notOk(
    rules.some((r) => r.resources?.includes('secrets')),
    'never secrets',
  );
  // And the binding points at the role and the subject
  t.match(binding, {
    kind: 'ClusterRoleBinding',
    roleRef: { kind: 'ClusterRole', name: 'meshprobe' },
    subjects: [{ kind: 'User', name: 'alice' }],
  });
});

t.test('the plan role is read-only', async (t) => {
  const role = loadYaml(renderRbac({ name: 'meshprobe-plan', for: ['plan'] })) as { rules: { verbs: string[] }[] };
  t.notOk(role.rules.some((r) => r.verbs.some((v) => v !== 'list' && v !== 'get')));
});

t.test('labels and selectors for created objects', async (t) => {
  t.equal(managedSelector(), 'app.kubernetes.io/managed-by=meshprobe');
  t.equal(managedSelector('r1'), 'app.kubernetes.io/managed-by=meshprobe,meshprobe.io/run-id=r1');
  t.same(runLabels('r1', 'probe'), {
    'app.kubernetes.io/managed-by': 'meshprobe',
    'meshprobe.io/run-id': 'r1',
    'meshprobe.io/component': 'probe',
  });
  const cases: [string, string][] = [
    ['from-namespace:payments', 'from-namespace.payments'],
    ['probe-namespace', 'probe-namespace'],
    [':x:', 'x'],
    ['a'.repeat(80), 'a'.repeat(63)],
  ];
  for (const [input, want] of cases) t.equal(labelValue(input), want, input);
  t.ok(isValidRunId('20261123-1845-ab12'));
  t.notOk(isValidRunId('Bad_Id'));
  t.notOk(isValidRunId('-x'));
});
