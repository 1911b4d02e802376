/**
 * runAttempt: one attempt → one observation line. The single entry point used by the
 * agent's batch runner and, in-process, by host-vantage probes in src/ (so it reads
 * no files, no argv and no environment).
 */
import type { AttemptSpec, ObservationLine } from '../protocol.js';
import { agentErrorObservation, describeAbort, startClock, type AttemptClock } from './observation.js';
import { specProblem } from './spec-check.js';
import { dnsAttempt } from './techniques/dns.js';
import { httpAttempt } from './techniques/http.js';
import { tcpAttempt } from './techniques/tcp.js';
import { sweepAttempt } from './techniques/sweep.js';
import { tlsAttempt } from './techniques/tls.js';
import { udpAttempt } from './techniques/udp.js';

function dispatch(spec: AttemptSpec, signal: AbortSignal | undefined, clock: AttemptClock): Promise<ObservationLine> {
  switch (spec.technique) {
    case 'tcp':
      return tcpAttempt(spec, signal, clock);
    case 'tls':
      return tlsAttempt(spec, signal, clock);
    case 'http':
      return httpAttempt(spec, signal, clock);
    case 'dns':
      return dnsAttempt(spec, signal, clock);
    case 'udp':
      return udpAttempt(spec, signal, clock);
    case 'sweep':
      return sweepAttempt(spec, signal, clock);
    default: {
      const never: never = spec.technique;
      return Promise.resolve(agentErrorObservation(spec, clock, 'E_SPEC', `unknown technique ${String(never)}`));
    }
  }
}

/**
 * Make one attempt and describe what happened. Never throws: a bad spec gives
 * agent-error E_SPEC, an abort (batch deadline, signal) gives agent-error with the
 * abort reason's code (E_DEADLINE, E_ABORTED), a bug gives agent-error E_INTERNAL.
 * The attempt's own `timeoutMs` bounds it; `signal` can only end it earlier.
 */
export async function runAttempt(spec: AttemptSpec, signal?: AbortSignal): Promise<ObservationLine> {
  const clock = startClock();
  try {
    const problem = specProblem(spec);
    if (problem !== undefined) return agentErrorObservation(spec, clock, 'E_SPEC', problem);
    if (signal?.aborted === true) return abortedObservation(spec, clock, signal);
    const line = await dispatch(spec, signal, clock);
    // Techniques see an abort as an ending without a code; name the abort's reason here.
    return line.transport === 'agent-error' && line.errorCode === undefined && signal !== undefined && isAborted(signal)
      ? abortedObservation(spec, clock, signal)
      : line;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return agentErrorObservation(spec, clock, 'E_INTERNAL', `the agent failed on this attempt: ${message}`);
  }
}

/** Read through a function so TypeScript does not keep the narrowing from before the await. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function abortedObservation(spec: AttemptSpec, clock: AttemptClock, signal: AbortSignal): ObservationLine {
  const { code, message } = describeAbort(signal);
  return agentErrorObservation(spec, clock, code, message);
}
