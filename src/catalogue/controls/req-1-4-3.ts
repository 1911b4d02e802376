import { notApplicableControl } from './not-applicable.js';

/** 1.4.3: not evidenced by a network probe (listed with the reason, never dropped). */
export const req143 = notApplicableControl({
  requirement: '1.4.3',
  title: 'Anti-spoofing measures detect and block forged source IP addresses',
  reason:
    'Testing anti-spoofing needs raw sockets (NET_RAW), which probe pods under Pod Security Admission restricted do not have.',
});
