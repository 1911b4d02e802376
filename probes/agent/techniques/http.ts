/**
 * Technique `http`: one HTTP/1.1 request over a raw node:net or node:tls socket.
 *
 * Not undici and not node:http: both fold a reset (RST) and a clean close (FIN) into
 * ECONNRESET (MESH-NOTES §A.2, §G.2), and the verdicts need the difference; undici
 * would also put the bundle at ~536 KB against a 200 KiB budget (TS-STACK step 7).
 * No redirects are followed and no credentials are sent.
 */
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import {
  NO_MESH_IDENTITY,
  type AttemptSpec,
  type HttpFacts,
  type HttpRequest,
  type ObservationLine,
  type TlsFacts,
} from '../../protocol.js';
import { classifyTransport } from '../classify-error.js';
import { exchange } from '../exchange.js';
import { httpRequestText } from '../http-request.js';
import { bodyPrefix, parseResponseHead } from '../http-response.js';
import { identityTlsOptions, meshIdentity } from '../mesh-identity.js';
import { agentErrorObservation, observation, startClock, textPrefix, type AttemptClock } from '../observation.js';
import { redactText, selectHeaders } from '../redact.js';
import { peerChainPem, readTlsFacts, tlsConnectOptions } from '../tls-facts.js';

/** Keep at most this much of the response: a generous head plus the body prefix. */
const KEEP_BYTES = 32 * 1024;
const BODY_PREFIX_BYTES = 512;
/** A server that ignores `connection: close` is left after this much silence. */
const IDLE_AFTER_DATA_MS = 300;

const DEFAULT_REQUEST: HttpRequest = { method: 'GET', path: '' };

/** True once the kept bytes hold a whole head and as much body as will be reported. */
function responseComplete(received: Buffer, method: string): boolean {
  const parsed = parseResponseHead(received);
  if (parsed.kind === 'incomplete') return false;
  if (parsed.kind === 'invalid') return received.length >= BODY_PREFIX_BYTES;
  return bodyPrefix(received, parsed.head, method, BODY_PREFIX_BYTES).complete;
}

/** HTTP facts from the kept bytes, when they start with a complete response head. */
function httpFacts(received: Buffer, method: string): HttpFacts | undefined {
  const parsed = parseResponseHead(received);
  if (parsed.kind !== 'head') return undefined;
  const body = bodyPrefix(received, parsed.head, method, BODY_PREFIX_BYTES).body;
  return {
    status: parsed.head.status,
    headers: selectHeaders(parsed.head.headers),
    bodyPrefix: redactText(textPrefix(body, BODY_PREFIX_BYTES)),
  };
}

/** Make an `http` attempt (plaintext, or over TLS when `spec.http.tls`). Never rejects. */
export async function httpAttempt(
  spec: AttemptSpec,
  signal?: AbortSignal,
  clock: AttemptClock = startClock(),
): Promise<ObservationLine> {
  const req = spec.http ?? DEFAULT_REQUEST;
  const secure = req.tls === true;
  const idDir = secure ? spec.tls?.clientIdentityDir : undefined;
  const identity = idDir !== undefined ? meshIdentity(idDir) : undefined;
  if (identity?.kind === 'missing') return agentErrorObservation(spec, clock, NO_MESH_IDENTITY, identity.detail);
  const own = identity?.kind === 'found' ? identityTlsOptions(identity) : {};
  const socket = secure
    ? tlsConnect({ ...tlsConnectOptions(spec.host, spec.port, spec.tls), ...own })
    : netConnect({ host: spec.host, port: spec.port });
  let chainAtHandshake: string[] | undefined;
  let tls: TlsFacts | undefined;
  if (secure) socket.once('secureConnect', () => (chainAtHandshake = peerChainPem(socket as TLSSocket)));
  const { ending, received } = await exchange({
    socket,
    secure,
    payload: () => httpRequestText(req, spec.tls?.servername ?? spec.host, spec.port, secure),
    deadline: clock.t0 + spec.timeoutMs,
    signal,
    keepBytes: KEEP_BYTES,
    complete: (bytes) => responseComplete(bytes, req.method),
    idleAfterDataMs: IDLE_AFTER_DATA_MS,
    inspect: (end) => {
      if (secure && end.connected) tls = readTlsFacts(socket as TLSSocket, end, chainAtHandshake);
    },
  });
  const http = httpFacts(received, req.method);
  return observation(spec, clock, classifyTransport(ending), {
    errorCode: ending.code,
    bytesReceived: ending.bytesReceived,
    dataPrefix:
      http === undefined && received.length > 0 ? redactText(textPrefix(received, BODY_PREFIX_BYTES)) : undefined,
    tls,
    http,
  });
}
