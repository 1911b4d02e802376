#!/usr/bin/env node
// Generic target workload for the meshprobe lab cluster (image lab.local/workload:1).
// One process, any number of listeners, configured by repeatable flags or env vars:
//
//   --http PORT         plaintext HTTP echo                       (env WORKLOAD_HTTP=8080,8081)
//   --tcp PORT          raw TCP: writes a banner line, echoes input (env WORKLOAD_TCP)
//   --tls PORT          HTTPS echo, TLS >= 1.2, no client cert     (env WORKLOAD_TLS)
//   --tls-legacy PORT   HTTPS echo that also accepts TLS 1.0/1.1   (env WORKLOAD_TLS_LEGACY)
//                       (minVersion TLSv1, ciphers DEFAULT@SECLEVEL=0)
//   --mtls PORT         HTTPS echo that REQUIRES a client cert signed by --ca (env WORKLOAD_MTLS)
//   --permissive PORT   one port, both: TLS (client cert required) when the first byte is a
//                       TLS handshake (0x16), plaintext HTTP otherwise (env WORKLOAD_PERMISSIVE)
//   --metrics PORT      unauthenticated admin endpoint: GET /metrics (Prometheus text),
//                       /healthz, /debug/vars                      (env WORKLOAD_METRICS)
//   --bind ADDR         listen address for all of the above (default 0.0.0.0; use 127.0.0.1
//                       behind the mTLS sidecar)                   (env WORKLOAD_BIND)
//   --cert FILE --key FILE --ca FILE   PEM files (defaults /etc/workload-tls/tls.crt, tls.key,
//                       ca.crt: mount a kubernetes.io/tls Secret, plus a ca.crt key, there)
//                                                                  (env WORKLOAD_CERT/_KEY/_CA)
// With no listener flag at all it serves --http 8080.
// Every HTTP answer is JSON: {pod, namespace, listener, port, tls, method, url, headers, remote}.
// biome-ignore lint/suspicious/noRedundantUseStrict: the image runs this file as CommonJS, where it is not redundant.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const os = require('node:os');

const KINDS = ['http', 'tcp', 'tls', 'tls-legacy', 'mtls', 'permissive', 'metrics'];
const opts = {
  bind: '0.0.0.0',
  cert: '/etc/workload-tls/tls.crt',
  key: '/etc/workload-tls/tls.key',
  ca: '/etc/workload-tls/ca.crt',
};
const listeners = [];
for (const k of KINDS) {
  const v = process.env[`WORKLOAD_${k.toUpperCase().replace('-', '_')}`];
  if (v) for (const p of v.split(',').filter(Boolean)) listeners.push({ kind: k, port: Number(p) });
}
for (const k of ['bind', 'cert', 'key', 'ca'])
  if (process.env[`WORKLOAD_${k.toUpperCase()}`]) opts[k] = process.env[`WORKLOAD_${k.toUpperCase()}`];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const name = argv[i].replace(/^--/, '');
  const val = argv[++i];
  if (val === undefined) usage(`missing value for ${argv[i - 1]}`);
  if (KINDS.includes(name)) listeners.push({ kind: name, port: Number(val) });
  else if (name in opts) opts[name] = val;
  else usage(`unknown option ${argv[i - 1]}`);
}
if (listeners.length === 0) listeners.push({ kind: 'http', port: 8080 });
for (const l of listeners)
  if (!Number.isInteger(l.port) || l.port < 1 || l.port > 65535) usage(`bad port for --${l.kind}`);

function usage(msg) {
  console.error(`workload: ${msg}\nsee the header of ${__filename} for options`);
  process.exit(2);
}

const stats = { started: Date.now(), requests: 0, connections: 0, tlsErrors: 0 };
const pod = process.env.POD_NAME || os.hostname();
const namespace = process.env.POD_NAMESPACE || '';
const read = (f) => fs.readFileSync(f);
let creds;
function tlsCreds() {
  if (!creds) creds = { cert: read(opts.cert), key: read(opts.key) };
  return creds;
}

function echo(l) {
  return (req, res) => {
    stats.requests++;
    const s = req.socket;
    const peer = s.getPeerCertificate ? s.getPeerCertificate() : null;
    const body = `${JSON.stringify({
      pod,
      namespace,
      listener: l.kind,
      port: l.port,
      tls: s.encrypted
        ? { protocol: s.getProtocol(), cipher: s.getCipher().name, clientCert: peer?.subject ? peer.subject : null }
        : null,
      method: req.method,
      url: req.url,
      headers: req.headers,
      remote: `${s.remoteAddress}:${s.remotePort}`,
    })}\n`;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
}

function metrics(req, res) {
  stats.requests++;
  if (req.url === '/healthz') return res.end('ok\n');
  if (req.url === '/debug/vars') {
    res.setHeader('content-type', 'application/json');
    return res.end(`${JSON.stringify({ pod, namespace, env: { NODE_ENV: process.env.NODE_ENV || null }, stats })}\n`);
  }
  if (req.url !== '/metrics') {
    res.statusCode = 404;
    return res.end('not found\n');
  }
  res.setHeader('content-type', 'text/plain; version=0.0.4');
  res.end(
    [
      '# HELP workload_requests_total Requests served by this workload.',
      '# TYPE workload_requests_total counter',
      `workload_requests_total{pod="${pod}"} ${stats.requests}`,
      '# HELP workload_connections_total TCP connections accepted.',
      '# TYPE workload_connections_total counter',
      `workload_connections_total{pod="${pod}"} ${stats.connections}`,
      '# HELP workload_tls_errors_total Failed TLS handshakes.',
      '# TYPE workload_tls_errors_total counter',
      `workload_tls_errors_total{pod="${pod}"} ${stats.tlsErrors}`,
      '# HELP process_start_time_seconds Start time of the process.',
      '# TYPE process_start_time_seconds gauge',
      `process_start_time_seconds ${Math.floor(stats.started / 1000)}`,
      '',
    ].join('\n'),
  );
}

function serve(l) {
  let server;
  switch (l.kind) {
    case 'http':
      server = http.createServer(echo(l));
      break;
    case 'metrics':
      server = http.createServer(metrics);
      break;
    case 'tcp':
      server = net.createServer((s) => {
        s.on('error', () => {});
        s.write(`workload ${pod} tcp ${l.port}\n`);
        s.pipe(s);
      });
      break;
    case 'tls':
      server = https.createServer({ ...tlsCreds(), minVersion: 'TLSv1.2' }, echo(l));
      break;
    case 'tls-legacy':
      server = https.createServer({ ...tlsCreds(), minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, echo(l));
      break;
    case 'mtls':
      server = https.createServer(
        { ...tlsCreds(), ca: read(opts.ca), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
        echo(l),
      );
      break;
    case 'permissive': {
      const plain = http.createServer(echo(l));
      const secure = https.createServer(
        { ...tlsCreds(), ca: read(opts.ca), requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
        echo(l),
      );
      secure.on('tlsClientError', () => stats.tlsErrors++);
      server = net.createServer((s) => {
        s.on('error', () => {});
        s.once('readable', () => {
          const first = s.read(1);
          if (!first) return s.destroy();
          s.unshift(first);
          (first[0] === 0x16 ? secure : plain).emit('connection', s);
        });
      });
      break;
    }
  }
  server.on('connection', () => stats.connections++);
  server.on('tlsClientError', () => stats.tlsErrors++);
  server.on('error', (e) => {
    console.error(`workload: ${l.kind} :${l.port}: ${e.message}`);
    process.exit(1);
  });
  server.listen(l.port, opts.bind, () =>
    console.log(JSON.stringify({ msg: 'listening', kind: l.kind, bind: opts.bind, port: l.port })),
  );
}

listeners.forEach(serve);
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
