import { notApplicableControl } from './not-applicable.js';

/** 1.3.3: not evidenced by a network probe (listed with the reason, never dropped). */
export const req133 = notApplicableControl({
  requirement: '1.3.3',
  title: 'Network security controls are implemented between wireless networks and the CDE',
  reason: 'Wireless networks are outside a Kubernetes cluster; an in-cluster probe cannot observe wireless boundaries.',
});
