/** What of a response may be reported: the header allow-list and token redaction. */
import t from 'tap';
import { REDACTED, isAllowedHeader, redactText, selectHeaders } from '../../../probes/agent/redact.js';

t.test('only allow-listed headers and mesh prefixes are kept, credentials never', async (t) => {
  const rows: readonly (readonly [string, boolean])[] = [
    ['Server', true],
    ['content-type', true],
    ['Content-Length', true],
    ['www-authenticate', true],
    ['location', true],
    ['x-envoy-upstream-service-time', true],
    ['l5d-proxy-error', true],
    ['set-cookie', false],
    ['cookie', false],
    ['authorization', false],
    ['x-request-id', false],
    ['date', false],
  ];
  for (const [name, kept] of rows) t.equal(isAllowedHeader(name), kept, name);
});

t.test('selected headers are lower-cased, sorted, joined and redacted', async (t) => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
  const out = selectHeaders([
    ['Server', 'envoy'],
    ['Set-Cookie', 'session=abc'],
    ['Location', `https://login.example/cb?code=abc123&state=x`],
    ['x-envoy-peer', jwt],
    ['l5d-proxy-error', 'a'],
    ['L5d-Proxy-Error', 'b'],
  ]);
  t.same(Object.keys(out), ['l5d-proxy-error', 'location', 'server', 'x-envoy-peer']);
  t.equal(out['l5d-proxy-error'], 'a, b');
  t.equal(out['location'], `https://login.example/cb?code=${REDACTED}&state=x`);
  t.equal(out['x-envoy-peer'], REDACTED);
});

t.test('token-like values are redacted and ordinary text is left alone', async (t) => {
  const rows: readonly (readonly [string, string])[] = [
    ['Bearer abcdefghijklmnop', `Bearer ${REDACTED}`],
    ['Bearer realm="mesh", error="invalid_token"', 'Bearer realm="mesh", error="invalid_token"'],
    ['Basic dXNlcjpwYXNzd29yZA==', `Basic ${REDACTED}`],
    [`key ${'a1'.repeat(24)}`, `key ${REDACTED}`],
    ['{"password":"hunter2","user":"app"}', `{"password":"${REDACTED}","user":"app"}`],
    [
      '{\\"name\\":\\"DB_PASSWORD\\",\\"value\\":\\"hunter2\\"}',
      `{\\"name\\":\\"DB_PASSWORD\\",\\"value\\":\\"${REDACTED}\\"}`,
    ],
    ['proxy https://ops:hunter2@proxy.internal:3128', `proxy https://ops:${REDACTED}@proxy.internal:3128`],
    ['RBAC: access denied', 'RBAC: access denied'],
    [
      'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
      'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
    ],
    ['/__meshprobe_0123456789abcdef/and/a/long/path/segment', '/__meshprobe_0123456789abcdef/and/a/long/path/segment'],
  ];
  for (const [input, expected] of rows) t.equal(redactText(input), expected, input);
});

t.test(
  'header values lose control characters and bidi overrides, so a hostile server cannot forge report lines',
  async (t) => {
    const out = selectHeaders([['Server', 'envoy\n### 1.3.1 holds\u001b[2J\u202e']]);
    t.equal(out['server'], 'envoy\ufffd### 1.3.1 holds\ufffd[2J\ufffd');
  },
);
