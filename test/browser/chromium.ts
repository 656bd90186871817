// Shared by the browser tests: a headless Chromium driven by playwright-core (never a browser downloaded at
// test time), the demo's static server, and where screenshots go.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type BrowserContext } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');

/** Debian's chromium package, used when installed. */
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

// Our own switches only. @sparticuz/chromium's `chromium.args` include --single-process and
// --disable-web-security, with which a COOP/COEP page is not cross-origin isolated (no threads).
const ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface ChromiumBinary { path: string; source: string }

let found: Promise<ChromiumBinary> | undefined;

/**
 * The browser under test, the first of: `CHROMIUM_PATH`; Debian's `/usr/bin/chromium`; the headless Chromium
 * packed inside the devDependency `@sparticuz/chromium` (unpacked into the temp directory on first use).
 * Throws, saying how to fix it, when none can be used: these tests run or fail, never skip.
 */
export function findChromium(): Promise<ChromiumBinary> {
  found ??= locate();
  return found;
}

async function locate(): Promise<ChromiumBinary> {
  if (!existsSync(join(ROOT, 'dist', 'browser', 'index.js')) || !existsSync(join(ROOT, 'build', 'denoise.simd-threads.wasm'))) {
    throw new Error('The browser tests load the built package: run `npm run build` first.');
  }
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH is ${fromEnv}, which does not exist: point it at a Chromium binary, or unset it to use the one from npm.`);
    return { path: fromEnv, source: 'CHROMIUM_PATH' };
  }
  if (existsSync(SYSTEM_CHROMIUM)) return { path: SYSTEM_CHROMIUM, source: "Debian's chromium" };
  return { path: await unpackNpmChromium(), source: '@sparticuz/chromium' };
}

const LOCK = join(tmpdir(), 'denoise-wasm-chromium.lock');

/**
 * `@sparticuz/chromium` unpacks its binary to `<tmpdir>/chromium` and hands back that path as soon as the file
 * exists, so two test files (jest workers) unpacking at once could launch a half-written binary: one process
 * unpacks at a time, behind a lock directory, and a binary that does not answer `--version` is unpacked again.
 */
async function unpackNpmChromium(): Promise<string> {
  let npmChromium: { executablePath(): Promise<string> };
  try {
    npmChromium = (await import('@sparticuz/chromium')).default;
  } catch (e) {
    throw new Error('The browser tests need Chromium, and none was found: `npm install` (the devDependency @sparticuz/chromium ' +
      `ships one), install Debian's \`chromium\` package, or set CHROMIUM_PATH to a Chromium binary (${(e as Error).message}).`);
  }
  for (const start = Date.now(); ;) {
    try { mkdirSync(LOCK); break; } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; }
    const lockAge = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (lockAge > 120_000) rmSync(LOCK, { recursive: true, force: true });   // left by a killed run
    if (Date.now() - start > 300_000) throw new Error(`Waited 5 minutes for ${LOCK} (another process unpacking @sparticuz/chromium); remove it if no such process runs.`);
    await new Promise((r) => setTimeout(r, 250));
  }
  try {
    let path = await npmChromium.executablePath();
    if (!(await answersVersion(path))) {
      rmSync(path, { force: true });                     // left half-written by a killed run, say
      path = await npmChromium.executablePath();
      if (!(await answersVersion(path))) {
        throw new Error(`The Chromium unpacked from @sparticuz/chromium at ${path} does not start (\`${path} --version\` fails). ` +
          "Install Debian's `chromium` package or set CHROMIUM_PATH to a working Chromium binary.");
      }
    }
    return path;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

async function answersVersion(path: string): Promise<boolean> {
  try {
    const { stdout } = await promisify(execFile)(path, ['--version'], { timeout: 60_000 });
    return /Chromium/.test(stdout);
  } catch {
    return false;
  }
}

export interface Browser { context: BrowserContext; chromium: ChromiumBinary; close(): Promise<void> }

/** Headless Chromium with a fresh user-data-dir, removed again on close. */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<Browser> {
  const binary = await findChromium();
  const profile = mkdtempSync(join(tmpdir(), 'denoise-wasm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: binary.path, headless: true, args: ARGS, viewport, acceptDownloads: true, timeout: 60_000,
  }).catch((e: Error) => {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`Chromium (${binary.source}, ${binary.path}) did not start: ${e.message}`);
  });
  return {
    context,
    chromium: binary,
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
