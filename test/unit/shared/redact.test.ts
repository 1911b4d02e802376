import t from 'tap';
import { judgeContext } from '../../../src/shared/judge-context.js';
import { REDACTED, redactHeaders, redactOptions, redactText } from '../../../src/shared/redact.js';
import { CONTROLS, findControl } from '../../../src/catalogue/index.js';
import { vantageId } from '../../../src/domain/vantage.js';
import { evaluate } from '../../../src/evaluate/evaluate.js';
import { buildEvidence } from '../../../src/classify/evidence.js';
import { evidenceRecord } from '../../../src/domain/evidence.js';
import { buildReport } from '../../../src/report/build.js';
import {
  renderHtml,
  renderJson,
  renderJunit,
  renderMarkdown,
  renderSarif,
  renderTap,
  renderText,
} from '../../../src/report/reporters/index.js';
import {
  attemptsOf,
  canaryStep,
  evidenceOf,
  judgeInput,
  PROBE_NS,
  same,
  svc,
  T0,
} from '../../helpers/report-fixtures.js';

const cases: Array<[string, string]> = [
  ['a JWT', 'token eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzIn0.sigsigsigsig end'],
  ['a bearer token', 'Authorization: Bearer abcdefghijklmnop1234'],
  ['a basic credential', 'Basic dXNlcjpwYXNzd29yZA=='],
  ['a long hex secret', 'key=0123456789abcdef0123456789abcdef01'],
  ['a long base64 secret', 'secret: QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9w'],
  ['a PEM private key', '-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----'],
];

for (const [what, text] of cases) {
  t.test(`${what} in free text is redacted`, async (t) => {
    const out = redactText(text);
    t.match(out, REDACTED);
    t.notMatch(
      out,
      /abcdefghijklmnop1234|dXNlcjpwYXNzd29yZA|0123456789abcdef0123456789abcdef01|QUJDREVGR0hJSktMTU5P|MIIEvQ|eyJpc3Mi/,
    );
  });
}

t.test('ordinary text is left alone', async (t) => {
  t.equal(redactText('RBAC: access denied'), 'RBAC: access denied');
  t.equal(
    redactText('upstream connect error or disconnect/reset before headers'),
    'upstream connect error or disconnect/reset before headers',
  );
});

t.test('credential headers are redacted whatever their case; others are kept', async (t) => {
  t.same(
    redactHeaders({
      Authorization: 'x',
      Cookie: 'a=b',
      'Set-Cookie': 'c=d',
      'proxy-authorization': 'y',
      server: 'istio-envoy',
    }),
    {
      Authorization: REDACTED,
      Cookie: REDACTED,
      'Set-Cookie': REDACTED,
      'proxy-authorization': REDACTED,
      server: 'istio-envoy',
    },
  );
});

t.test('options named like secrets are redacted in run metadata', async (t) => {
  t.same(redactOptions({ signKey: '/keys/sign.pem', kubeconfig: '/home/u/.kube/config', nested: { apiToken: 't' } }), {
    kubeconfig: '/home/u/.kube/config',
    nested: { apiToken: REDACTED },
    signKey: REDACTED,
  });
});

t.test('long file paths and kebab-case names are not mistaken for secrets', async (t) => {
  const path = 'reports/mp-20260115-100000-permissive-mtls-leak/evidence.jsonl';
  t.equal(redactText(path), path);
});

t.test(
  'secrets recognised by their context are redacted: JSON secret keys, env values (also escaped), URL passwords, query tokens',
  async (t) => {
    const rows: ReadonlyArray<[string, string, string]> = [
      ['{"password":"hunter2","user":"app"}', 'hunter2', `{"password":"${REDACTED}","user":"app"}`],
      ['{"name":"DB_URL","value":"pg://u:hunter2@db"}', 'hunter2', `{"name":"DB_URL","value":"${REDACTED}"}`],
      [
        '"{\\"env\\":[{\\"name\\":\\"API_KEY\\",\\"value\\":\\"s3cr3t\\"}]}"',
        's3cr3t',
        `"{\\"env\\":[{\\"name\\":\\"API_KEY\\",\\"value\\":\\"${REDACTED}\\"}]}"`,
      ],
      ['see https://admin:hunter2@10.0.0.1/x', 'hunter2', `see https://admin:${REDACTED}@10.0.0.1/x`],
      ['redirect to /cb?access_token=abc123&x=1', 'abc123', `redirect to /cb?access_token=${REDACTED}&x=1`],
    ];
    for (const [input, secret, expected] of rows) {
      t.equal(redactText(input), expected, input);
      t.notMatch(redactText(input), secret);
    }
  },
);

t.test(
  'no reporter, report.json or evidence line carries a secret from a kubelet /pods body or an agent error detail',
  async (t) => {
    // Given an anonymous kubelet answer whose body prefix holds a pod's env values and an error detail with a URL password
    const body =
      '{"kind":"PodList","items":[{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\\"spec\\":{\\"containers\\":[{\\"env\\":[{\\"name\\":\\"DB_PASSWORD\\",\\"value\\":\\"hunter2\\"}]';
    const { attempts, observations } = attemptsOf([
      canaryStep(PROBE_NS),
      {
        probeId: 'kubelet-anonymous',
        vantage: PROBE_NS,
        target: { kind: 'Node', namespace: '', name: 'worker-1' },
        port: 10255,
        observed: { kind: 'http', status: 200, body },
      },
      {
        probeId: 'tcp-reach',
        vantage: PROBE_NS,
        target: svc('payments', 'api'),
        port: 8080,
        observed: { kind: 'agent-error' },
      },
    ]);
    const leaky = observations.map((o) =>
      o.transport === 'agent-error' ? { ...o, detail: 'proxy https://ops:s3cr3tpw@proxy.internal:3128 refused' } : o,
    );
    const selfChecks = new Map([[vantageId(PROBE_NS), { meshListeners: [], meshed: false, nodeVersion: 'v20.20.2' }]]);
    const evidence = buildEvidence({ attempts, observations: leaky, selfChecks });
    const inventory = judgeInput([]).inventory;
    const verdicts = evaluate(CONTROLS, {
      evidence,
      inventory,
      certificates: [],
      now: new Date(T0),
      context: judgeContext(),
    });
    // When the report is built and rendered in every format
    const report = buildReport({
      run: {
        runId: 'mp-test',
        tool: { name: 'meshprobe', version: '0.1.0' },
        startedAt: T0,
        finishedAt: T0,
        options: {},
      },
      inventory,
      verdicts,
      evidence,
      notRun: [],
      certificates: [],
      cleanup: { attempted: true, ok: true, deleted: [], problems: [] },
    });
    const outputs = [
      renderJson(report),
      ...evidence.map((e) => JSON.stringify(e)),
      renderText(report, { verbose: true }),
      renderMarkdown(report),
      renderHtml(report),
      renderJunit(report),
      renderTap(report),
      renderSarif(report),
    ];
    // Then no output holds either secret
    for (const out of outputs) {
      t.notMatch(out, 'hunter2');
      t.notMatch(out, 's3cr3tpw');
    }
    t.match(renderJson(report), '[REDACTED]');
  },
);

t.test('abort and cleanup messages are redacted in the report (cluster errors may echo credentials)', async (t) => {
  // Given an abort and a cleanup problem that quote a bearer token
  const secret = 'Bearer abcdefghijklmnop1234';
  const report = buildReport({
    run: {
      runId: 'mp-test',
      tool: { name: 'meshprobe', version: '0.1.0' },
      startedAt: T0,
      finishedAt: T0,
      options: {},
    },
    inventory: judgeInput([]).inventory,
    verdicts: [],
    evidence: [],
    notRun: [],
    certificates: [],
    aborted: { code: 'E_FORBIDDEN', stage: 'discover', message: `request with ${secret} was forbidden` },
    cleanup: { attempted: true, ok: false, deleted: [], problems: [`delete failed: ${secret}`] },
  });
  // Then neither reaches report.json
  t.notMatch(renderJson(report), 'abcdefghijklmnop1234');
  t.match(report.aborted?.message, `request with ${REDACTED} was forbidden`);
});

t.test('a hostile server header cannot put a line break or escape sequence into a verdict reason', async (t) => {
  // Given a plaintext answer whose server header carries a line break and an ANSI escape (an older agent let it through)
  const ev = evidenceOf([
    canaryStep(same('payments')),
    {
      probeId: 'plaintext-http',
      vantage: same('payments'),
      target: svc('payments', 'api'),
      port: 8080,
      observed: { kind: 'http', status: 200, headers: { server: 'envoy\n### 1.3.1 — holds\u001b[2J' } },
    },
  ]);
  // When 2.2.5 is judged
  const j = findControl('2.2.5')!.judge(judgeInput(ev));
  // Then the evidence, the outcome detail and every reason are free of control characters
  t.equal(j.status, 'fails');
  for (const text of [
    ...j.reasons,
    ...ev.map((e) => evidenceRecord(e).why),
    ...ev.map((e) => JSON.stringify(e.observation?.http?.headers ?? {})),
  ]) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for a raw newline or ESC on purpose.
    t.notMatch(text, /[\n\u001b]|\\n|\\u001b/);
  }
});

t.test('raw HTML in a server header or certificate name does not survive into the Markdown report', async (t) => {
  // Given a plaintext answer whose server header is an HTML payload
  const ev = evidenceOf([
    canaryStep(same('payments')),
    {
      probeId: 'plaintext-http',
      vantage: same('payments'),
      target: svc('payments', 'api'),
      port: 8080,
      observed: { kind: 'http', status: 200, headers: { server: '<img src=x onerror=alert(1)>' } },
    },
  ]);
  const inventory = judgeInput([]).inventory;
  const verdicts = evaluate(CONTROLS, {
    evidence: ev,
    inventory,
    certificates: [],
    now: new Date(T0),
    context: judgeContext(),
  });
  const report = buildReport({
    run: {
      runId: 'mp-test',
      tool: { name: 'meshprobe', version: '0.1.0' },
      startedAt: T0,
      finishedAt: T0,
      options: {},
    },
    inventory,
    verdicts,
    evidence: ev,
    notRun: [],
    certificates: [],
    cleanup: { attempted: true, ok: true, deleted: [], problems: [] },
  });
  // When it is rendered as Markdown and HTML
  const md = renderMarkdown(report);
  // Then the payload is text, not markup
  t.match(md, 'server: &lt;img src=x onerror=alert(1)&gt;');
  t.notMatch(md, '<img');
  t.notMatch(renderHtml(report), '<img');
});

t.test('the agent and the reports redact with one rule set and one marker', async (t) => {
  const agent = await import('../../../probes/agent/redact.js');
  // Given text with a bearer token, a JWT, a PEM private key and a long hyphenated run id
  const text =
    'Authorization: Bearer abcdefghijklmnop, see eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig and ' +
    '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY----- in reports/mp-20260115-100000-inconclusive-canary-failed';
  // When the agent's and the CLI's redaction see it
  // Then both give the same text with the same marker, and the run id (a name, not a token) survives
  t.equal(agent.REDACTED, REDACTED);
  t.equal(agent.redactText(text), redactText(text));
  t.notMatch(redactText(text), /abcdefghijklmnop|eyJhbGci|MIIB/);
  t.match(redactText(text), 'reports/mp-20260115-100000-inconclusive-canary-failed');
  t.notMatch(redactText(text), /\[redacted\]/);
});
