// Debian's Chromium, headless, driven by playwright-core: the browser the console tests and
// the console benchmark use. No browser is downloaded (none can be here): a missing chromium
// is a failure that says how to install it, never a skip.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.STROWGER_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots of each view, for people to look at (gitignored). */
export const ARTIFACTS_DIR = join(import.meta.dirname, '..', '..', 'test-artifacts', 'console');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (.ci/run does), or point STROWGER_CHROMIUM at one`);
  }
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    ],
    // Playwright gives every launch a fresh temporary profile (--user-data-dir) of its own.
  });
}

export const artifact = (name: string): string => join(ARTIFACTS_DIR, `${name}.png`);
