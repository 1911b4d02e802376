/**
 * Technique `tls`: a TLS handshake with the asked SNI/ALPN/versions/ciphers and no
 * client certificate; report protocol, cipher, ALPN and the peer chain. After the
 * handshake it writes a blank line and keeps reading for a short window, because a
 * TLS 1.3 server demanding a client certificate only says so (alert 116) after
 * secureConnect (MESH-NOTES §A.3). With `tls.handshakeOnly` it stops at the end of the
 * handshake instead: enumeration handshakes need only the ServerHello's choices.
 */
import { connect, type TLSSocket } from 'node:tls';
import type { AttemptSpec, ObservationLine, TlsFacts } from '../../protocol.js';
import { classifyTransport } from '../classify-error.js';
import { exchange } from '../exchange.js';
import { observation, startClock, textPrefix, type AttemptClock } from '../observation.js';
import { redactText } from '../redact.js';
import { peerChainPem, readTlsFacts, tlsConnectOptions } from '../tls-facts.js';

/** How long to keep reading after secureConnect (bounded by the attempt timeout). */
const TLS_READ_WINDOW_MS = 400;

/**
 * A bare CRLF: HTTP/1.x servers ignore it (RFC 9112 §2.2), so it provokes the server's
 * read (and its post-handshake alert) without making a request.
 */
const POST_HANDSHAKE_BYTES = '\r\n';
const PREFIX_BYTES = 512;

/** Make a `tls` attempt. Never rejects. */
export async function tlsAttempt(
  spec: AttemptSpec,
  signal?: AbortSignal,
  clock: AttemptClock = startClock(),
): Promise<ObservationLine> {
  const socket: TLSSocket = connect(tlsConnectOptions(spec.host, spec.port, spec.tls));
  let chainAtHandshake: string[] | undefined;
  let tls: TlsFacts | undefined;
  socket.once('secureConnect', () => {
    chainAtHandshake = peerChainPem(socket);
  });
  const handshakeOnly = spec.tls?.handshakeOnly === true;
  const { ending, received } = await exchange({
    socket,
    secure: true,
    payload: () => (handshakeOnly ? '' : POST_HANDSHAKE_BYTES),
    deadline: clock.t0 + spec.timeoutMs,
    signal,
    keepBytes: PREFIX_BYTES,
    readyWindowMs: handshakeOnly ? 0 : TLS_READ_WINDOW_MS,
    inspect: (end) => {
      if (end.connected) tls = readTlsFacts(socket, end, chainAtHandshake);
    },
  });
  return observation(spec, clock, classifyTransport(ending), {
    errorCode: ending.code,
    bytesReceived: ending.bytesReceived,
    dataPrefix: received.length > 0 ? redactText(textPrefix(received, PREFIX_BYTES)) : undefined,
    tls,
  });
}
