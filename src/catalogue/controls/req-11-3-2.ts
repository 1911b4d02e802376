import { notApplicableControl } from './not-applicable.js';

/** 11.3.2: not evidenced by a network probe (listed with the reason, never dropped). */
export const req1132 = notApplicableControl({
  requirement: '11.3.2',
  title: 'External vulnerability scans are performed by a PCI SSC Approved Scanning Vendor',
  reason: 'External scans must be performed by an ASV; meshprobe is not an ASV scan.',
});
