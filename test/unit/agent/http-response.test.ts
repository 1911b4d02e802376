/** Parsing response heads and body prefixes from raw bytes. */
import t from 'tap';
import { bodyPrefix, parseResponseHead, type ResponseHead } from '../../../probes/agent/http-response.js';
import { httpRequestText, hostHeader, randomProbePath } from '../../../probes/agent/http-request.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function head(text: string): ResponseHead {
  const parsed = parseResponseHead(b(text));
  if (parsed.kind !== 'head') throw new Error(`expected a head, got ${parsed.kind}`);
  return parsed.head;
}

t.test('a complete head gives status and lower-cased header pairs', async (t) => {
  const h = head('HTTP/1.1 403 Forbidden\r\nServer: istio-envoy\r\nContent-Length: 19\r\n\r\nRBAC: access denied');
  t.equal(h.status, 403);
  t.same(h.headers, [
    ['server', 'istio-envoy'],
    ['content-length', '19'],
  ]);
});

t.test('a partial head is incomplete and non-HTTP bytes are invalid', async (t) => {
  t.equal(parseResponseHead(b('HTTP/1.1 200 OK\r\nserv')).kind, 'incomplete');
  t.equal(parseResponseHead(b('HTT')).kind, 'incomplete');
  t.equal(parseResponseHead(b('')).kind, 'incomplete');
  t.equal(parseResponseHead(b('SSH-2.0-OpenSSH_9.6\r\n')).kind, 'invalid');
  t.equal(parseResponseHead(b('HTTP/1.1 abc\r\n\r\n')).kind, 'invalid');
});

t.test('interim 1xx responses are skipped, 101 is kept', async (t) => {
  t.equal(head('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n').status, 204);
  t.equal(parseResponseHead(b('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2')).kind, 'incomplete');
  t.equal(head('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n').status, 101);
});

t.test('body prefixes follow content-length, chunking, close-delimiting and HEAD', async (t) => {
  const rows: readonly (readonly [string, string, string, string, boolean])[] = [
    ['content-length satisfied', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok', 'GET', 'ok', true],
    ['content-length still arriving', 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nok', 'GET', 'ok', false],
    [
      'chunked, complete',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
      'GET',
      'abcde',
      true,
    ],
    ['chunked, mid-chunk', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab', 'GET', 'ab', false],
    [
      'chunked, a negative size ends the body (a hostile peer cannot make the parser re-read bytes)',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n-6\r\nxyz\r\n',
      'GET',
      'abc',
      true,
    ],
    [
      'chunked, a size that is not hex ends the body',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n',
      'GET',
      '',
      true,
    ],
    [
      'chunked, a chunk extension is allowed',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\n\r\n',
      'GET',
      'abc',
      true,
    ],
    ['close-delimited', 'HTTP/1.0 200 OK\r\n\r\nhello', 'GET', 'hello', false],
    ['HEAD has no body', 'HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n', 'HEAD', '', true],
    ['204 has no body', 'HTTP/1.1 204 No Content\r\n\r\n', 'GET', '', true],
  ];
  for (const [sentence, text, method, body, complete] of rows) {
    const prefix = bodyPrefix(b(text), head(text), method);
    t.same({ body: prefix.body.toString('latin1'), complete: prefix.complete }, { body, complete }, sentence);
  }
});

t.test('the body prefix never exceeds the limit', async (t) => {
  const text = `HTTP/1.1 200 OK\r\n\r\n${'x'.repeat(2000)}`;
  const prefix = bodyPrefix(b(text), head(text), 'GET', 512);
  t.equal(prefix.body.length, 512);
  t.equal(prefix.complete, true);
  const chunked = `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n7d0\r\n${'y'.repeat(2000)}\r\n0\r\n\r\n`;
  t.equal(bodyPrefix(b(chunked), head(chunked), 'GET', 512).body.length, 512);
});

t.test('the request has Host, the meshprobe user-agent and connection: close, and no credentials', async (t) => {
  const text = httpRequestText(
    { method: 'get', path: '/x', headers: { 'X-Test': '1', Authorization: 'Bearer s3cret', connection: 'keep-alive' } },
    '10.0.0.1',
    8080,
    false,
  );
  t.match(text, /^GET \/x HTTP\/1\.1\r\n/);
  t.match(text, /\r\nHost: 10\.0\.0\.1:8080\r\n/);
  t.match(text, /\r\nUser-Agent: meshprobe\r\n/);
  t.match(text, /\r\nX-Test: 1\r\n/);
  t.match(text, /\r\nConnection: close\r\n\r\n$/);
  t.notMatch(text, /s3cret|keep-alive/i);
});

t.test('an empty path becomes a fresh unguessable probe path', async (t) => {
  const one = /^GET (\S+) /.exec(httpRequestText({ method: '', path: '' }, 'svc', 80, false))?.[1];
  const two = randomProbePath();
  t.match(one ?? '', /^\/__meshprobe_[0-9a-f]{32}$/);
  t.not(one, two);
});

t.test('the Host header drops default ports and brackets IPv6', async (t) => {
  t.equal(hostHeader('svc.ns', 80, false), 'svc.ns');
  t.equal(hostHeader('svc.ns', 443, true), 'svc.ns');
  t.equal(hostHeader('svc.ns', 443, false), 'svc.ns:443');
  t.equal(hostHeader('fd00::1', 8080, false), '[fd00::1]:8080');
});
