// Shared by the browser tests: Debian's Chromium driven by playwright-core (never a downloaded browser),
// the demo's static server, and where screenshots go.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');

/** The browser under test: Debian's chromium package (CHROMIUM_PATH overrides). */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Fails with how to install Chromium when it is missing: these tests must not pass without a browser. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The browser tests need Chromium at ${CHROMIUM}, which is missing. Install Debian's package with ` +
      '`apt-get update && apt-get install -y chromium` (CI does this in .ci/run), or set CHROMIUM_PATH to a Chromium binary.');
  }
  if (!existsSync(join(ROOT, 'dist', 'browser', 'index.js')) || !existsSync(join(ROOT, 'build', 'denoise.simd-threads.wasm'))) {
    throw new Error('The browser tests load the built package: run `npm run build` first.');
  }
}

export interface Browser { context: BrowserContext; close(): Promise<void> }

/** Headless Chromium with a fresh user-data-dir, removed again on close. */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<Browser> {
  requireChromium();
  const profile = mkdtempSync(join(tmpdir(), 'denoise-wasm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport, acceptDownloads: true, timeout: 60_000,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface Server { url: string; close(): Promise<void> }

/** Starts `node scripts/serve-demo.mjs --port 0 ...args` and reads the URL it prints. */
export function serveDemo(args: string[] = []): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'scripts', 'serve-demo.mjs'), '--port', '0', '--quiet', ...args], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '';
    const timer = setTimeout(() => { child.kill(); reject(new Error(`serve-demo did not print its URL: ${out}${err}`)); }, 15_000);
    child.stderr!.on('data', (d) => { err += d; });
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /demo: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          close: () => new Promise<void>((r) => {
            if (child.exitCode !== null) return r();
            child.once('exit', () => r());
            child.kill();
          }),
        });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`serve-demo exited (${code}): ${out}${err}`)); });
  });
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
