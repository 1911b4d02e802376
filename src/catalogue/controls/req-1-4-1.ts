import { notApplicableControl } from './not-applicable.js';

/** 1.4.1: not evidenced by a network probe (listed with the reason, never dropped). */
export const req141 = notApplicableControl({
  requirement: '1.4.1',
  title: 'Network security controls are implemented between trusted and untrusted networks',
  reason:
    'In-cluster probe pods cannot stand for an untrusted network; an external vantage point (and the external penetration test, 11.4.3) is needed to evidence this.',
});
