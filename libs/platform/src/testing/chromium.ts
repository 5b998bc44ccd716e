import type { Browser } from 'playwright-core';

/** Debian's headless Chromium (never a downloaded browser), quiet about updates and sync. */
export async function launchChromium(): Promise<Browser> {
  // Loaded on first use: most suites import the testing helpers without needing a browser.
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
