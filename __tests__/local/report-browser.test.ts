/// <reference lib="dom" />
/**
 * The local run's HTML report rendered by a real browser: nothing overflows the page or its cards,
 * every chart is drawn, and the page asks for nothing outside itself.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { renderHtml } from '../../local/report/html';
import { launchChromium } from './helpers/browser';
import { wideReport } from './helpers/report-fixture';

const CHART_TITLES = [
  'Curated events per event-time hour',
  'Data-quality rate per batch',
  'Quarantined records by error kind',
  'Predictions answered per production variant',
  'Latency percentiles (ms)',
];

interface Layout {
  readonly pageOverflow: number;
  readonly sectionsOverflowing: string[];
  readonly tablesScrolling: string[];
  readonly charts: { readonly label: string; readonly width: number; readonly height: number }[];
  readonly thresholdLines: number;
}

describe('the local report in headless Chromium', () => {
  let browser: Browser;
  let file: string;

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-browser-'));
    file = path.join(dir, 'report.html');
    fs.writeFileSync(file, renderHtml(wideReport()));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  async function render(width: number): Promise<{ layout: Layout; requests: string[]; problems: string[] }> {
    const page = await browser.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    // A request the page's Content-Security-Policy blocks never reaches the network, but Chromium reports it here.
    page.on('console', (m) => (m.type() === 'error' || m.type() === 'warn') && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.setViewport({ width, height: 900 });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const layout = await page.evaluate((): Layout => {
      const name = (e: Element) => e.closest('section')?.querySelector('h2')?.textContent ?? e.tagName;
      return {
        pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
        sectionsOverflowing: Array.from(document.querySelectorAll('section'))
          .filter((s) => s.scrollWidth > s.clientWidth + 1)
          .map(name),
        tablesScrolling: Array.from(document.querySelectorAll('div.table'))
          .filter((d) => d.scrollWidth > d.clientWidth + 1)
          .map(name),
        charts: Array.from(document.querySelectorAll('svg[role="img"]')).map((s) => ({
          label: s.getAttribute('aria-label') ?? '',
          width: s.getBoundingClientRect().width,
          height: s.getBoundingClientRect().height,
        })),
        thresholdLines: document.querySelectorAll('svg line.reference').length,
      };
    });
    await page.close();
    return { layout, requests, problems };
  }

  it('fits a desktop window: no horizontal scrolling of the page, a card or a table', async () => {
    const { layout } = await render(1280);
    expect(layout.pageOverflow).toBeLessThanOrEqual(0);
    expect(layout.sectionsOverflowing).toEqual([]);
    expect(layout.tablesScrolling).toEqual([]);
  });

  it('fits a phone-sized window: the page and its cards do not scroll sideways', async () => {
    const { layout } = await render(390);
    expect(layout.pageOverflow).toBeLessThanOrEqual(0);
    expect(layout.sectionsOverflowing).toEqual([]);
  });

  it('draws every chart, and the data-quality threshold line', async () => {
    const { layout } = await render(1280);
    expect(layout.charts.map((c) => c.label).sort()).toEqual([...CHART_TITLES].sort());
    for (const chart of layout.charts) {
      expect(chart.width).toBeGreaterThan(300);
      expect(chart.height).toBeGreaterThan(40);
    }
    expect(layout.thresholdLines).toBe(1);
  });

  it('requests nothing but the page itself, and logs no error', async () => {
    const { requests, problems } = await render(1280);
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(problems).toEqual([]);
  });
});
