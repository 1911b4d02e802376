import type { Control } from '../../domain/control.js';
import { INSECURE_SERVICE_PROBES, judgeInsecureServices, PLAINTEXT_TO_CDE } from './insecure-services.js';

/** 1.2.6: insecure services/protocols in use have security features that mitigate the risk. */
export const req126: Control = {
  id: 'pci-dss-4.0.1/1.2.6',
  requirement: '1.2.6',
  title: 'Security features are defined and implemented for insecure services, protocols and ports in use',
  holdsMeans:
    'Every plaintext CDE port is reachable only through mTLS: an unmeshed pod is reset and a TLS attempt meets a mesh certificate that demands a client certificate.',
  probeIds: [...INSECURE_SERVICE_PROBES],
  requires: [PLAINTEXT_TO_CDE],
  judge(input) {
    return judgeInsecureServices(
      input,
      'service',
      'Whether each insecure service has a documented business justification is a documentation check meshprobe cannot see.',
    );
  },
};
