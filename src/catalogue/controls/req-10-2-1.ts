import { notApplicableControl } from './not-applicable.js';

/** 10.2.1: not evidenced by a network probe (listed with the reason, never dropped). */
export const req1021 = notApplicableControl({
  requirement: '10.2.1',
  title: 'Audit logs are enabled and active for all system components and cardholder data',
  reason:
    'A probe generates denied connections and anonymous requests but cannot see whether they were logged; look up this run id in your logs.',
});
