// Verification client run INSIDE the lab (image lab.local/node:24, `node -e`), independent of
// meshprobe: it proves each scenario workload behaves as its manifest says before meshprobe's
// verdicts are compared with that ground truth. Input: env CHECKS (JSON list); output: one
// JSON line per check. Every attempt is bounded by its own timeout; targets are lab ClusterIPs.
const net = require('node:net'),
  tls = require('node:tls'),
  fs = require('node:fs'),
  dgram = require('node:dgram');
// A plain DNS query (id 0xabcd, RD, one question: mp-verify.meshprobe.invalid IN A).
const DNS_QUERY = Buffer.from(
  'abcd01000001000000000000096d702d766572696679096d65736870726f626507696e76616c69640000010001',
  'hex',
);
const checks = JSON.parse(process.env.CHECKS);
function one(c) {
  return new Promise((done) => {
    const out = { id: c.id };
    let sock, timer;
    const finish = (extra) => {
      clearTimeout(timer);
      if (sock) sock.destroy();
      done({ ...out, ...extra });
    };
    timer = setTimeout(() => finish({ result: out.connected ? 'silent' : 'timeout' }), c.timeoutMs || 3000);
    const onData = (buf) => {
      out.bytes = (out.bytes || 0) + buf.length;
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf.toString('latin1'));
      if (m) finish({ result: 'http', status: Number(m[1]), body: buf.toString('utf8').slice(0, 400) });
    };
    const onError = (e) =>
      finish({
        result: e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'ECONNRESET' ? 'reset' : 'error',
        code: e.code,
        message: e.message,
      });
    if (c.kind === 'udp') {
      const s = dgram.createSocket('udp4');
      sock = {
        destroy: () => {
          try {
            s.close();
          } catch {
            /* closed */
          }
        },
      };
      s.on('error', onError);
      s.on('message', (m) =>
        finish({ result: 'udp-reply', bytes: m.length, rcode: m.length >= 4 ? m[3] & 0x0f : undefined }),
      );
      // UDP has no retransmit of its own: the datagram goes out up to three times, 1 s apart, within
      // the check's timeout, so a policy engine that learns this new pod's IP late (its first
      // datagram dropped) is not read as a block. Silence after all three stays a timeout.
      s.connect(c.port, c.host, () => {
        const send = (left) => {
          try {
            s.send(DNS_QUERY);
          } catch {
            return; // closed: the check already finished
          }
          if (left > 1) setTimeout(() => send(left - 1), 1000).unref();
        };
        send(3);
      });
      return;
    }
    const request = `GET ${c.path || '/'} HTTP/1.1\r\nHost: ${c.host}\r\nConnection: close\r\n\r\n`;
    if (c.kind === 'tls') {
      const o = {
        host: c.host,
        port: c.port,
        rejectUnauthorized: false,
        ALPNProtocols: c.alpn,
        minVersion: c.minVersion || 'TLSv1',
        maxVersion: c.maxVersion,
        ciphers: 'DEFAULT@SECLEVEL=0',
      };
      if (c.clientCert) {
        o.cert = fs.readFileSync(`${c.clientCert}/tls.crt`);
        o.key = fs.readFileSync(`${c.clientCert}/tls.key`);
      }
      sock = tls.connect(o, () => {
        out.connected = true;
        const peer = sock.getPeerCertificate(true);
        Object.assign(out, {
          protocol: sock.getProtocol(),
          notAfter: peer.valid_to,
          bits: peer.bits,
          san: peer.subjectaltname,
        });
        sock.write(request);
      });
      sock.on('data', onData);
      sock.on('error', (e) => {
        const peer = sock.getPeerCertificate?.();
        if (peer?.subjectaltname) out.san = peer.subjectaltname;
        onError(e);
      });
      sock.on('end', () => finish({ result: out.bytes ? 'http?' : 'eof' }));
      return;
    }
    sock = net.connect({ host: c.host, port: c.port }, () => {
      out.connected = true;
      if (c.kind === 'http') sock.write(request);
      else finish({ result: 'connected' });
    });
    sock.on('data', onData);
    sock.on('error', onError);
    sock.on('end', () => finish({ result: 'eof' }));
  });
}
// Wait before the first connection: a policy engine learns a new pod's IP asynchronously, and
// until it has, the pod's own egress policy may not apply yet (seen with kube-network-policies).
(async () => {
  await new Promise((r) => setTimeout(r, Number(process.env.START_DELAY_MS || 5000)));
  for (const c of checks) console.log(JSON.stringify(await one(c)));
})();
