/** The upload options come from flags, MESHPROBE_* variables or the --config file; the headers variable never becomes an option. */
import t from 'tap';
import { configSource, envSource } from '../../../src/config/load.js';
import { validateOptions } from '../../../src/config/validate.js';

t.test(
  'upload, upload-endpoint and upload-headers-file are config-file keys (the scheduled mode sets them there)',
  async (t) => {
    // Given a config file with the upload keys
    const cfg = configSource('meshprobe.yaml', {
      upload: 's3://pci-evidence/meshprobe',
      'upload-endpoint': 'http://minio:9000',
      'upload-headers-file': '/secrets/h',
    });
    // Then they are options, with no issue
    t.same(cfg.issues, []);
    const r = validateOptions([cfg.source]);
    t.equal(r.options?.upload, 's3://pci-evidence/meshprobe');
    t.equal(r.options?.uploadEndpoint, 'http://minio:9000');
    t.equal(r.options?.uploadHeadersFile, '/secrets/h');
  },
);

t.test(
  'MESHPROBE_UPLOAD sets the target; MESHPROBE_UPLOAD_HEADERS is known (no warning) but never an option',
  async (t) => {
    const env = envSource({
      MESHPROBE_UPLOAD: 'https://evidence.example/pci',
      MESHPROBE_UPLOAD_HEADERS: 'Authorization: Bearer x',
    });
    t.same(env.warnings, []);
    const r = validateOptions([env.source]);
    t.equal(r.options?.upload, 'https://evidence.example/pci');
    t.notMatch(JSON.stringify(r.options), /Bearer/, 'the headers are not in the options (which the report records)');
  },
);
