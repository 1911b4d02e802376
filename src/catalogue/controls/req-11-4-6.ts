import type { Control } from '../../domain/control.js';
import { judgeSegmentationCoverage, SEGMENTATION_PROBES, SEGMENTATION_SLICES } from './segmentation-coverage.js';

/** 11.4.6: as 11.4.5, for service providers every six months. */
export const req1146: Control = {
  id: 'pci-dss-4.0.1/11.4.6',
  requirement: '11.4.6',
  title: 'Service providers: segmentation controls are tested at least every six months',
  holdsMeans: 'As 11.4.5; applies to service providers, whose interval between tests must not exceed six months.',
  probeIds: SEGMENTATION_PROBES,
  requires: SEGMENTATION_SLICES,
  judge(input) {
    return judgeSegmentationCoverage(input, [
      'Applies to service providers only: the interval between segmentation tests must not exceed six months (PCI SSC FAQ 1447); keep this report to show it.',
    ]);
  },
};
