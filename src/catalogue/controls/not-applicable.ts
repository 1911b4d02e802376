/** Factory for requirements a network probe cannot evidence: listed with the reason, never dropped. */
import type { Control } from '../../domain/control.js';

/** A control whose verdict is always not-applicable, with the reason. */
export function notApplicableControl(spec: { requirement: string; title: string; reason: string }): Control {
  return {
    id: `pci-dss-4.0.1/${spec.requirement}`,
    requirement: spec.requirement,
    title: spec.title,
    holdsMeans: `Not evidenced at runtime: ${spec.reason}`,
    probeIds: [],
    judge() {
      return { status: 'not-applicable', reasons: [spec.reason], evidenceIds: [] };
    },
  };
}
