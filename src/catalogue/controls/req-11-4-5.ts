import type { Control } from '../../domain/control.js';
import { judgeSegmentationCoverage, SEGMENTATION_PROBES, SEGMENTATION_SLICES } from './segmentation-coverage.js';

/** 11.4.5: segmentation controls are tested and isolate the CDE from all out-of-scope systems. */
export const req1145: Control = {
  id: 'pci-dss-4.0.1/11.4.5',
  requirement: '11.4.5',
  title: 'Segmentation controls are operational and effective and isolate the CDE from all out-of-scope systems',
  holdsMeans:
    'Every out-of-scope namespace was tried against every CDE target port and every attempt was blocked, with canary and control paths proving the blocks.',
  probeIds: SEGMENTATION_PROBES,
  requires: SEGMENTATION_SLICES,
  judge(input) {
    return judgeSegmentationCoverage(input, [
      'Repeat at least every 12 months and after any change to segmentation controls or methods.',
    ]);
  },
};
