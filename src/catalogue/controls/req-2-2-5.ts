import type { Control } from '../../domain/control.js';
import { INSECURE_SERVICE_PROBES, judgeInsecureServices, PLAINTEXT_TO_CDE } from './insecure-services.js';

/** 2.2.5: insecure services on system components are justified and have extra security features. */
export const req225: Control = {
  id: 'pci-dss-4.0.1/2.2.5',
  requirement: '2.2.5',
  title: 'Insecure services, protocols or daemons are justified and mitigated by additional security features',
  holdsMeans:
    'No CDE system component answers plaintext to an unmeshed client; the mitigating feature (STRICT mTLS) is observed working on every plaintext port.',
  probeIds: [...INSECURE_SERVICE_PROBES],
  requires: [PLAINTEXT_TO_CDE],
  judge(input) {
    return judgeInsecureServices(
      input,
      'system component service',
      'The documented business reason for each insecure service is outside what a network probe can see.',
    );
  },
};
