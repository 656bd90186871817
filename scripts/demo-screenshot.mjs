#!/usr/bin/env node
// Takes the README's picture of the browser demo: serves it (scripts/serve-demo.mjs), trains the model in
// headless Chromium (Debian's, driven by playwright-core), draws a digit on the pad, and screenshots.
//
//   node scripts/demo-screenshot.mjs [out.png] [--train 8000] [--epochs 5] [--batch 32] [--width 1280]
//   CHROMIUM_PATH=...: another Chromium than Debian's /usr/bin/chromium (e.g. the path the devDependency
//   @sparticuz/chromium gives: node -e "import('@sparticuz/chromium').then(async (c) => console.log(await c.default.executablePath()))")
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from './serve-demo.mjs';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv.splice(i, 2)[1] : fallback;
};
const train = opt('train', '8000'), epochs = opt('epochs', '5'), batch = opt('batch', '32'), width = Number(opt('width', '1280'));
const out = argv[0] ?? 'docs/browser-demo.png';

const server = await startServer({ port: 0 });
const profile = mkdtempSync(join(tmpdir(), 'denoise-wasm-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true, viewport: { width, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${server.url}?train=${train}&epochs=${epochs}&batch=${batch}&autostart=1`);
  await page.waitForFunction(() => ['done', 'error'].includes(window.demo?.status), null, { timeout: 600_000 });
  // A "2", drawn with the mouse.
  const box = await page.locator('#pad').boundingBox();
  const at = (fx, fy) => [box.x + fx * box.width, box.y + fy * box.height];
  await page.click('#btn-clear');
  const path = [[0.3, 0.32], [0.38, 0.2], [0.52, 0.16], [0.66, 0.22], [0.7, 0.36], [0.6, 0.52], [0.42, 0.68], [0.28, 0.82], [0.5, 0.8], [0.74, 0.8]];
  await page.mouse.move(...at(...path[0]));
  await page.mouse.down();
  for (const p of path.slice(1)) await page.mouse.move(...at(...p), { steps: 6 });
  await page.mouse.up();
  await page.evaluate(() => window.demo.idle());
  await page.waitForTimeout(300);   // the progress bar's transition
  await page.screenshot({ path: out, fullPage: true });
  console.log(`${out}: ${await page.textContent('#status')}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  await server.close();
}
