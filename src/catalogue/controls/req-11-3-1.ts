import { notApplicableControl } from './not-applicable.js';

/** 11.3.1: not evidenced by a network probe (listed with the reason, never dropped). */
export const req1131 = notApplicableControl({
  requirement: '11.3.1',
  title: 'Internal vulnerability scans are performed at least every three months',
  reason: 'meshprobe tests network controls; it is not a vulnerability scanner and does not replace internal scans.',
});
