import type { HttpRequest, Technique, TlsRequest, UdpRequest } from '../../probes/protocol.js';
import type { Target, TargetPort } from './target.js';
import type { VantageKind } from './vantage.js';

/** What a probe wants to send to one target port. */
interface ProbeRequest {
  readonly technique: Technique;
  readonly tls?: TlsRequest;
  readonly http?: HttpRequest;
  readonly udp?: UdpRequest;
}

/** A catalogue entry: technique, vantages, applicability and what secure looks like. */
export interface Probe {
  readonly id: string;
  readonly title: string;
  readonly technique: Technique;
  readonly vantages: readonly VantageKind[];
  /** One sentence: what a secure system does when this probe runs. */
  readonly secureLooksLike: string;
  /** `true` when it applies, otherwise the reason it does not (reported as not-run). */
  applies(target: Target, port: TargetPort): true | string;
  /** The request to make; pure (random paths come from `seed`). */
  request(target: Target, port: TargetPort, seed: string): ProbeRequest;
}
