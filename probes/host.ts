/**
 * The agent as a library, for the CLI: the one door into probes/ besides the wire protocol
 * (protocol.ts). The host vantage runs its batch in the CLI's own process (run/run-host.ts),
 * `meshprobe tls` makes its handshakes with the agent's attempt code (tls/host-tls-scan.ts),
 * and reports redact with the agent's rule set (shared/redact.ts). Everything else under
 * probes/agent/ is the agent's own; the import-rules test keeps src/ out of it.
 */
export { runBatch } from './agent/run-batch.js';
export { runAttempt } from './agent/attempt.js';
export { printable, REDACTED, redactText, SECRET_HEADERS } from './agent/redact.js';
