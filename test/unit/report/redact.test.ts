import t from 'tap';
import { REDACTED, redactHeaders, redactOptions, redactText } from '../../../src/report/redact.js';

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
    t.notMatch(out, /abcdefghijklmnop1234|dXNlcjpwYXNzd29yZA|0123456789abcdef0123456789abcdef01|QUJDREVGR0hJSktMTU5P|MIIEvQ|eyJpc3Mi/);
  });
}

t.test('ordinary text is left alone', async (t) => {
  t.equal(redactText('RBAC: access denied'), 'RBAC: access denied');
  t.equal(redactText('upstream connect error or disconnect/reset before headers'), 'upstream connect error or disconnect/reset before headers');
});

t.test('credential headers are redacted whatever their case; others are kept', async (t) => {
  t.same(redactHeaders({ Authorization: 'x', Cookie: 'a=b', 'Set-Cookie': 'c=d', 'proxy-authorization': 'y', server: 'istio-envoy' }), {
    Authorization: REDACTED, Cookie: REDACTED, 'Set-Cookie': REDACTED, 'proxy-authorization': REDACTED, server: 'istio-envoy',
  });
});

t.test('options named like secrets are redacted in run metadata', async (t) => {
  t.same(redactOptions({ signKey: '/keys/sign.pem', kubeconfig: '/home/u/.kube/config', nested: { apiToken: 't' } }), {
    kubeconfig: '/home/u/.kube/config', nested: { apiToken: REDACTED }, signKey: REDACTED,
  });
});

t.test('long file paths and kebab-case names are not mistaken for secrets', async (t) => {
  const path = 'reports/mp-20260115-100000-permissive-mtls-leak/evidence.jsonl';
  t.equal(redactText(path), path);
});
