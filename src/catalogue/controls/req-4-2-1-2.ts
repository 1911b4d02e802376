import { notApplicableControl } from './not-applicable.js';

/** 4.2.1.2: not evidenced by a network probe (listed with the reason, never dropped). */
export const req4212 = notApplicableControl({
  requirement: '4.2.1.2',
  title: 'Wireless networks transmitting PAN use industry best practices for strong cryptography',
  reason: 'This requirement is about wireless networks, which an in-cluster probe cannot observe.',
});
