import { execSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

/**
 * Debian's Chromium for the browser tests, installed with apt when the machine lacks it (a fresh
 * machine: ≈ 25 s), launched headless as root with the flags that keep it off the closed network
 * (no background networking, component updates or sync) and a fresh profile.
 */
function chromiumPath(): string {
  const which = () => execSync('which chromium', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return which();
  } catch {
    execSync('apt-get update && apt-get install -y chromium', { stdio: 'ignore', timeout: 600_000 });
    return which();
  }
}

export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'chromium-'))}`],
  });
}
