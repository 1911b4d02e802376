import type { Control } from '../../domain/control.js';
import { isApprovedFrom } from '../../shared/judge-context.js';
import { closedAfterConnect, finding, fold, inconclusiveReason, probeEvidence, said, targetsCde } from './judge-kit.js';
import { LISTENER_SWEEP, NO_SWEEP_CAVEAT, sweepEvidence, undeclaredFindings } from './undeclared.js';

const PROBES = ['tcp-reach', 'plaintext-http', 'mesh-bypass-port', 'tenant-reach', LISTENER_SWEEP];

/** 1.2.5: every allowed service, protocol and port is identified, approved and needed. */
export const req125: Control = {
  id: 'pci-dss-4.0.1/1.2.5',
  requirement: '1.2.5',
  title: 'All services, protocols and ports allowed are identified, approved and have a business need',
  holdsMeans:
    'Every (source, target, port) that meshprobe found open appears in the approved-flows file (--approved-flows), and every listener the sweep found on a CDE pod is declared by a containerPort or a Service port.',
  probeIds: PROBES,
  requires: [{ label: 'reachability attempts to CDE target ports', cdeTargets: true }],
  judge(input) {
    const { approvedFlows } = input.context;
    const all = probeEvidence(input, PROBES).filter((e) => e.attempt.probeId !== LISTENER_SWEEP);
    const swept = sweepEvidence(input, (e) => targetsCde(input, e.attempt.target));
    const listeners = undeclaredFindings(swept, 'an open port that is not identified');
    const caveats = swept.length === 0 ? [NO_SWEEP_CAVEAT] : [];
    // A reset or close after TCP completed is still an open port at L4 (someone answered the SYN).
    const open = all.filter((e) => e.outcome.kind === 'allowed' || closedAfterConnect(e));
    if (all.length === 0 && swept.length === 0)
      return {
        status: 'inconclusive',
        reasons: ['No reachability attempt was made, so open ports are not evidenced.'],
        evidenceIds: [],
      };
    if (approvedFlows === undefined) {
      const unreviewed = `No approved-flows file was given (--approved-flows), so the ${open.length} open (source, target, port) tuples observed are listed as evidence for review but not judged.`;
      // An undeclared listener is unidentified whatever the approved flows say.
      const failing = listeners.filter((f) => f.status === 'fails');
      if (failing.length > 0) return fold(failing, { status: 'fails', reason: '' }, [unreviewed]);
      return { status: 'inconclusive', reasons: [unreviewed, ...caveats], evidenceIds: open.map((e) => e.id).sort() };
    }
    const findings = open.map((e) => {
      const ok = isApprovedFrom(approvedFlows, e.attempt.vantage, e.attempt.target, e.attempt.port);
      const subject = `${said(e)}`;
      return ok
        ? finding('holds', `${subject}, which the approved-flows file lists${ok.ref ? ` (${ok.ref})` : ''}.`, e)
        : finding(
            'fails',
            `${subject}, but no approved flow covers it: an open port without an identified business need.`,
            e,
          );
    });
    for (const e of all.filter((x) => x.outcome.kind === 'inconclusive')) {
      findings.push(finding('inconclusive', inconclusiveReason(e, 'whether this port is open'), e));
    }
    findings.push(...listeners);
    return fold(
      findings,
      { status: 'holds', reason: 'No open (source, target, port) tuple was observed outside the approved flows.' },
      caveats,
    );
  },
};
