/** Headless Chromium for tests of pages the project renders (the test command installs it when missing). */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The browser to drive: CHROMIUM_PATH, else the first candidate on PATH. */
export function chromiumPath(): string {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!fs.existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured}: no such file (expected a Chromium or Chrome executable)`);
    return configured;
  }
  for (const name of CANDIDATES) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {
      // not on PATH: try the next name
    }
  }
  throw new Error(
    `no headless browser: none of ${CANDIDATES.join(', ')} is on PATH and CHROMIUM_PATH is unset; run bash scripts/lib/ensure-chromium.sh (npm test runs it)`,
  );
}

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: test containers often run as root, where Chromium's sandbox refuses to start.
  return puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
