import { type Browser, chromium } from 'playwright-core';

/**
 * Headless Chromium from the machine (CI installs Debian's chromium), never a downloaded one. The
 * background-networking flags keep Chromium from dialling out, which a closed network refuses.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
