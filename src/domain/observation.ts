/**
 * Raw facts about one attempt, as the agent reported them (no judgement).
 * The wire type is the domain type: one definition, shared with the agent.
 */
export type {
  ObservationLine as Observation,
  TransportResult,
  TlsFacts,
  SelfCheck,
} from '../../probes/protocol.js';
