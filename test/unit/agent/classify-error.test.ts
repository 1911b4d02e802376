/**
 * The classification table (socket ending → transport result) and the TLS alert
 * table, row by row.
 */
import t from 'tap';
import { classifyTransport, type SocketEnding } from '../../../probes/agent/classify-error.js';
import { tlsAlertNumber } from '../../../probes/agent/tls-alert.js';
import type { TransportResult } from '../../../probes/protocol.js';

const connectedSent = { connected: true, sent: true, bytesReceived: 0 } as const;
const notConnected = { connected: false, sent: false, bytesReceived: 0 } as const;

const rows: readonly (readonly [string, SocketEnding, TransportResult])[] = [
  [
    'a closed port or REJECT (ECONNREFUSED) is refused',
    { kind: 'error', code: 'ECONNREFUSED', syscall: 'connect', ...notConnected },
    'refused',
  ],
  [
    'an RST after connect (read ECONNRESET) is reset',
    { kind: 'error', code: 'ECONNRESET', syscall: 'read', ...connectedSent },
    'reset',
  ],
  [
    'an RST during connect (connect ECONNRESET) is reset',
    { kind: 'error', code: 'ECONNRESET', syscall: 'connect', ...notConnected },
    'reset',
  ],
  [
    'writing to a closed peer (EPIPE) is reset',
    { kind: 'error', code: 'EPIPE', syscall: 'write', ...connectedSent },
    'reset',
  ],
  [
    "Node's synthetic ECONNRESET for a FIN during the TLS handshake is eof",
    { kind: 'error', code: 'ECONNRESET', ...connectedSent, handshake: false },
    'eof',
  ],
  ['a FIN with no data is eof', { kind: 'end', ...connectedSent }, 'eof'],
  ['a FIN after data is connected', { kind: 'end', ...connectedSent, bytesReceived: 12 }, 'connected'],
  [
    'an RST after data is connected (the peer answered first)',
    { kind: 'error', code: 'ECONNRESET', syscall: 'read', ...connectedSent, bytesReceived: 40 },
    'connected',
  ],
  ['no connection before the timer is a timeout', { kind: 'timeout', ...notConnected }, 'timeout'],
  ['connected and sent but nothing back before the timer is silent', { kind: 'timeout', ...connectedSent }, 'silent'],
  ['data then the timer is connected', { kind: 'timeout', ...connectedSent, bytesReceived: 3 }, 'connected'],
  [
    'a completed TLS handshake then the timer is connected',
    { kind: 'timeout', ...connectedSent, handshake: true },
    'connected',
  ],
  [
    'EHOSTUNREACH is unreachable',
    { kind: 'error', code: 'EHOSTUNREACH', syscall: 'connect', ...notConnected },
    'unreachable',
  ],
  [
    'ENETUNREACH is unreachable',
    { kind: 'error', code: 'ENETUNREACH', syscall: 'connect', ...notConnected },
    'unreachable',
  ],
  [
    'ENOTFOUND is a dns-failure',
    { kind: 'error', code: 'ENOTFOUND', syscall: 'getaddrinfo', ...notConnected },
    'dns-failure',
  ],
  [
    'EAI_AGAIN is a dns-failure',
    { kind: 'error', code: 'EAI_AGAIN', syscall: 'getaddrinfo', ...notConnected },
    'dns-failure',
  ],
  [
    'a kernel connect timeout (ETIMEDOUT) is a timeout',
    { kind: 'error', code: 'ETIMEDOUT', syscall: 'connect', ...notConnected },
    'timeout',
  ],
  [
    'ETIMEDOUT after connect is silent',
    { kind: 'error', code: 'ETIMEDOUT', syscall: 'read', ...connectedSent },
    'silent',
  ],
  [
    'a TLS alert (alert 40) is connected: the peer spoke TLS',
    { kind: 'error', code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', ...connectedSent, handshake: false },
    'connected',
  ],
  [
    'a plaintext answer to a ClientHello is connected',
    { kind: 'error', code: 'ERR_SSL_WRONG_VERSION_NUMBER', ...connectedSent, handshake: false },
    'connected',
  ],
  [
    'a reset after a completed TLS handshake is connected',
    { kind: 'error', code: 'ECONNRESET', syscall: 'read', ...connectedSent, handshake: true },
    'connected',
  ],
  ['the read window closing is connected', { kind: 'settled', ...connectedSent, handshake: true }, 'connected'],
  ['an abort (deadline, signal) is agent-error', { kind: 'aborted', ...connectedSent }, 'agent-error'],
  [
    'a local resource error (EADDRNOTAVAIL) is agent-error, not a network verdict',
    { kind: 'error', code: 'EADDRNOTAVAIL', syscall: 'connect', ...notConnected },
    'agent-error',
  ],
  ['an error without a code is agent-error', { kind: 'error', ...notConnected }, 'agent-error'],
];

for (const [sentence, ending, expected] of rows) {
  t.test(sentence, async (t) => {
    t.equal(classifyTransport(ending), expected);
  });
}

t.test('TLS alert numbers come from the error code table, not the message', async (t) => {
  const alerts: readonly (readonly [string | undefined, number | undefined])[] = [
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 116],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 40],
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 70],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 48],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 42],
    // The same alerts as the OpenSSL of Node 24 names them
    ['ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE', 40],
    ['ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE', 42],
    ['ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL', 120],
    ['ERR_SSL_WRONG_VERSION_NUMBER', undefined],
    ['ECONNRESET', undefined],
    [undefined, undefined],
  ];
  for (const [code, alert] of alerts) t.equal(tlsAlertNumber(code), alert, String(code));
});
