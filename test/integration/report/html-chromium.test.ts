/**
 * The HTML report opened in a real headless Chromium (Debian package `chromium`) over the
 * DevTools protocol: it opens with the answer and the three most important findings, has the
 * reachability picture, collapses reasons where a control holds, has no horizontal overflow at
 * desktop (1280 px) and phone (390 px) width, logs no console error, and prints to a PDF whose
 * pages are counted and whose text holds the reasons that are collapsed on screen.
 * Screenshots and PDFs are kept under node_modules/.cache/meshprobe-html/ for a human look.
 * Skipped with a message when /usr/bin/chromium is absent.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../../../src/report/reporters/html.js';
import { topFindings } from '../../../src/report/reporters/highlights.js';
import { reachabilityMatrix } from '../../../src/report/reporters/matrix.js';
import { SCENARIOS, buildExample } from '../../fixtures/report-examples.js';
import { CHROMIUM, launchChromium, type Browser } from '../../helpers/chromium.js';

const KEEP = 'node_modules/.cache/meshprobe-html';
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 900, mobile: false },
  { name: 'phone', width: 390, height: 844, mobile: true },
] as const;

/** Width × height of a PNG from its IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Pages of a Chromium PDF: one `/Type /Page` object per page (the tree root is `/Pages`). */
function pdfPages(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;
}

function pdfText(file: string): string | undefined {
  try {
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8', timeout: 60_000 });
  } catch {
    return undefined;
  }
}

if (!existsSync(CHROMIUM)) {
  t.test(
    'the HTML report renders in headless Chromium',
    { skip: `headless Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set MESHPROBE_CHROMIUM)` },
    async () => undefined,
  );
} else {
  let browser: Browser | undefined;
  t.before(async () => {
    browser = await launchChromium();
  });
  t.teardown(async () => browser?.close());
  mkdirSync(KEEP, { recursive: true });

  for (const name of ['cross-namespace-leak', 'all-holds', 'aborted']) {
    t.test(
      `the ${name} HTML report opens with the answer, fits desktop and phone, and prints to PDF`,
      { timeout: 300_000 },
      async (t) => {
        // Given the HTML rendering of a golden example in a temp dir
        const dir = mkdtempSync(join(tmpdir(), 'meshprobe-html-'));
        t.teardown(() => rmSync(dir, { recursive: true, force: true }));
        const report = buildExample(SCENARIOS.find((s) => s.name === name)!);
        const html = renderHtml(report);
        const hasPicture = reachabilityMatrix(report).sources.length > 0;
        const file = join(dir, 'report.html');
        writeFileSync(file, html);
        // Then it is self-contained: no external resource references and no scripts
        t.notMatch(html, /\b(src|href)\s*=|url\(|@import|<script/i, 'no external fetches, no scripts');

        for (const vp of VIEWPORTS) {
          // When Chromium opens it at this width
          const page = await browser!.open(pathToFileURL(file).href, vp);
          const layout = await page.evaluate<{ inner: number; scroll: number; svg: number }>(
            `({ inner: innerWidth, scroll: document.documentElement.scrollWidth,
              svg: document.querySelector('svg#reachability')?.getBoundingClientRect().width ?? -1 })`,
          );
          // Then the viewport is what was asked and nothing overflows sideways
          t.equal(layout.inner, vp.width, `${vp.name}: viewport is ${vp.width} px`);
          // (A phone viewport widens itself to overflowing content, so compare with the width asked for.)
          t.ok(
            layout.scroll <= vp.width,
            `${vp.name}: no horizontal overflow (scrollWidth ${layout.scroll} <= ${vp.width})`,
          );
          // And the picture is there and fits
          if (hasPicture)
            t.ok(
              layout.svg > 0 && layout.svg <= vp.width,
              `${vp.name}: reachability picture present and fits (${Math.round(layout.svg)} px)`,
            );
          else t.equal(layout.svg, -1, `${vp.name}: no picture when no namespace-to-namespace attempt was made`);
          t.same(page.problems, [], `${vp.name}: no console errors or page exceptions`);
          const png = await page.screenshot();
          const shot = join(KEEP, `${name}-${vp.name}.png`);
          writeFileSync(shot, png);
          const size = pngSize(png);
          // The content width: the viewport less a desktop scroll bar.
          t.ok(
            size.width <= vp.width && size.width >= vp.width - 20,
            `${vp.name}: screenshot is the viewport's width (${size.width} px)`,
          );
          t.comment(`screenshot ${shot}: ${size.width}×${size.height} px, ${png.length} bytes`);
        }

        // When the desktop page is checked for content
        const page = await browser!.open(pathToFileURL(file).href, VIEWPORTS[0]);
        const dom = await page.evaluate<{
          answer: string;
          top: number;
          rows: number;
          closed: number;
          open: number;
          cells: Record<string, number>;
          openTitles: string[];
        }>(
          `({ answer: document.querySelector('#summary p.answer')?.textContent ?? '',
            top: document.querySelectorAll('ol#top-findings li').length,
            rows: document.querySelectorAll('table#controls tr.control').length,
            closed: [...document.querySelectorAll('tr.control details.reasons')].filter((d) => !d.open).length,
            open: [...document.querySelectorAll('tr.control details.reasons')].filter((d) => d.open).length,
            cells: Object.fromEntries(['open', 'blocked', 'inconclusive', 'none'].map((c) => [c, document.querySelectorAll('svg#reachability g.cell-' + c).length])),
            openTitles: [...document.querySelectorAll('svg#reachability g.cell-open > title')].map((x) => x.textContent) })`,
        );
        // Then the first thing is the answer, then the most important findings (at most three)
        t.ok(
          html.indexOf('class="answer"') < html.indexOf('id="controls"'),
          'the answer comes before the control table',
        );
        t.equal(dom.top, topFindings(report).length, 'one list item per highlighted finding');
        t.ok(dom.top <= 3, 'at most three findings highlighted');
        t.equal(dom.rows, report.verdicts.length, 'one row per control');
        const failing = report.verdicts.filter((v) => v.status === 'fails' || v.status === 'inconclusive').length;
        t.equal(dom.open, failing, 'reasons of failing and inconclusive controls are open');
        t.equal(
          dom.closed,
          report.verdicts.filter((v) => v.reasons.length > 0).length - failing,
          'reasons of the others are collapsed',
        );
        if (name === 'cross-namespace-leak') {
          t.match(dom.answer, /controls fail: .*1\.3\.1/, 'the answer names the failing controls');
          t.ok(dom.cells['open']! > 0, 'the leak is a red square in the picture');
        } else if (name === 'all-holds') {
          t.match(dom.answer, /No control fails/);
          // The only red squares are identity vantages on the flows their approved-flows entries allow.
          t.ok(dom.openTitles.length > 0, 'the identities of the example reach their approved ports');
          t.ok(
            dom.openTitles.every((x) => x.includes('(as ')),
            `no red square from a namespace or a new pod when everything holds: ${dom.openTitles.join('; ')}`,
          );
        } else {
          t.match(dom.answer, /aborted/, 'an aborted run says so first');
        }

        // When it is printed to PDF
        const pdf = await page.pdf();
        const pdfFile = join(KEEP, `${name}.pdf`);
        writeFileSync(pdfFile, pdf);
        const pages = pdfPages(pdf);
        t.comment(`PDF ${pdfFile}: ${pages} pages (A4), ${pdf.length} bytes`);
        // Then it has a sane number of pages and holds the reasons collapsed on screen
        t.ok(pages >= 1 && pages <= 30, `PDF has ${pages} pages`);
        const collapsed = report.verdicts.find((v) => v.status === 'holds' && v.reasons.length > 0);
        const text = pdfText(pdfFile);
        if (text === undefined)
          t.fail(
            'pdftotext (Debian package poppler-utils) is needed to read the PDF: apt-get install -y poppler-utils',
          );
        else if (collapsed !== undefined) {
          const words = collapsed.reasons[0]!.split(/\s+/).slice(0, 6).join(' ');
          t.ok(
            text.replace(/\s+/g, ' ').includes(words),
            `the printed PDF shows a reason collapsed on screen ("${words}…")`,
          );
        }
      },
    );
  }
}
