/**
 * The HTML report opened in a real headless Chromium (Debian package `chromium`): it renders
 * with no console errors, the DOM holds the summary, control table and reachability matrix, and
 * a screenshot is taken and checked. Skipped with a message when /usr/bin/chromium is absent.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderHtml } from '../../../src/report/reporters/html.js';
import { SCENARIOS, buildExample } from '../../fixtures/report-examples.js';

const CHROMIUM = process.env['MESHPROBE_CHROMIUM'] ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Run chromium once, bounded in time; resolves with stdout/stderr. */
function chromium(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, [...FLAGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

if (!existsSync(CHROMIUM)) {
  t.test('the HTML report renders in headless Chromium', { skip: `headless Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set MESHPROBE_CHROMIUM)` }, async () => undefined);
} else {
  for (const name of ['cross-namespace-leak', 'all-holds']) {
    t.test(`the ${name} HTML report renders in headless Chromium with its control table and matrix, without console errors`, { timeout: 300_000 }, async (t) => {
      // Given the HTML rendering of a golden example in a temp dir
      const dir = mkdtempSync(join(tmpdir(), 'meshprobe-html-'));
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      const report = buildExample(SCENARIOS.find((s) => s.name === name)!);
      const html = renderHtml(report);
      const file = join(dir, 'report.html');
      writeFileSync(file, html);
      // Then it is self-contained: no external resource references at all
      t.notMatch(html, /\b(src|href)\s*=|url\(|@import|<script/i, 'no external fetches, no scripts');
      // When Chromium dumps the DOM with console logging on
      const dom = await chromium([`--user-data-dir=${join(dir, 'profile-dom')}`, '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${file}`]);
      t.equal(dom.code, 0, 'chromium --dump-dom exited 0');
      t.notMatch(dom.stderr, /CONSOLE\(|Uncaught|ERR_FILE_NOT_FOUND|net::ERR_/, 'no console errors or failed loads');
      // Then the DOM holds the summary, every control row and the matrix
      t.match(dom.stdout, /<section id="summary">/);
      t.match(dom.stdout, /<table id="controls">/);
      t.match(dom.stdout, /<table id="matrix">/);
      t.match(dom.stdout, /<table id="certificates">/);
      t.match(dom.stdout, /<table id="scope">/);
      t.equal((dom.stdout.match(/<tr class="control"/g) ?? []).length, report.verdicts.length, 'one row per control');
      if (name === 'cross-namespace-leak') t.match(dom.stdout, /<td class="cell open">open<\/td>/, 'the leak is a red cell');
      else t.notMatch(dom.stdout, /cell open/, 'no red cell when everything holds');
      // When Chromium takes a screenshot
      const png = join(dir, 'report.png');
      const shot = await chromium([`--user-data-dir=${join(dir, 'profile-shot')}`, `--screenshot=${png}`, '--window-size=1280,2000', `file://${file}`]);
      t.equal(shot.code, 0, 'chromium --screenshot exited 0');
      // Then a real PNG of non-trivial size exists
      t.ok(existsSync(png), 'screenshot written');
      const bytes = readFileSync(png);
      t.same([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
      t.ok(statSync(png).size > 20_000, `screenshot is non-trivial (${statSync(png).size} bytes)`);
    });
  }
}
