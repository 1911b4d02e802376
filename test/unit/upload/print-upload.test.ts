/** What `run` prints about --upload: where the bundle went, or the error, its hint and how to send the kept bundle. */
import t from 'tap';
import { printUpload } from '../../../src/cli/commands/run.js';

const lines = (u: Parameters<typeof printUpload>[0]['upload']): string[] => {
  const out: string[] = [];
  printUpload({ outputDir: 'reports/r1', ...(u ? { upload: u } : {}) }, (l) => out.push(l));
  return out;
};

t.test('without --upload nothing is printed', async (t) => {
  t.same(lines(undefined), []);
});

t.test('a successful upload is one line naming the location and the retries', async (t) => {
  t.same(lines({ kind: 'uploaded', location: 's3://b/p/r1/', files: 10, retries: 2 }), [
    'meshprobe: bundle uploaded to s3://b/p/r1/ (10 files, 2 attempt(s) retried)',
  ]);
});

t.test('a failed upload prints the error, the hint, and the command that sends the kept bundle', async (t) => {
  t.same(
    lines({
      kind: 'failed',
      code: 'E_UPLOAD',
      message: 'upload of report.json to s3://b/p was refused (403: AccessDenied)',
      hint: 'Check the keys.',
    }),
    [
      'meshprobe: upload failed [E_UPLOAD]: upload of report.json to s3://b/p was refused (403: AccessDenied)',
      'hint: Check the keys.',
      'meshprobe: the local bundle is complete in reports/r1; send it with: meshprobe upload reports/r1 --upload <target>',
    ],
  );
});

t.test('a skipped upload says why and how to send it later', async (t) => {
  t.same(lines({ kind: 'skipped', reason: 'the run was interrupted' }), [
    'meshprobe: not uploaded: the run was interrupted; the local bundle is complete in reports/r1; send it with: meshprobe upload reports/r1 --upload <target>',
  ]);
});
