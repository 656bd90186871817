// Every wasm test loads build/*.wasm, and the CLI and example tests run the compiled package (dist/), not
// the TypeScript sources that jest compiles. This brings both up to date: the wasm is rebuilt when a build
// is missing or any assembly/ source (or scripts/asbuild.mjs) is newer than the oldest build, tsc runs when
// any src/ file is newer than dist/; behind a lock directory so that two jest workers never write at once.
// Plain JS so that jest's globalSetup (test/global-setup.mjs, run once before any test file) can import
// it untransformed; its types are in build-dist.d.mts.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LOCK = join(ROOT, 'dist', '.test-build-lock');

/** @param {string} dir @param {string} ext @returns {number} newest mtime (ms) of the files ending in ext under dir */
function newestMtime(dir, ext) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** True when dist/ is missing or older than a src/ file. */
export function distStale() {
  const out = join(ROOT, 'dist', 'cli', 'tutorial.js');
  return !existsSync(out) || newestMtime(join(ROOT, 'src'), '.ts') > statSync(out).mtimeMs;
}

const WASM_BUILDS = ['scalar', 'simd', 'simd-threads'].map((v) => join(ROOT, 'build', `denoise.${v}.wasm`));

/** True when a wasm build is missing or older than a source it is compiled from. */
export function wasmStale() {
  if (!WASM_BUILDS.every((f) => existsSync(f))) return true;
  const oldestBuild = Math.min(...WASM_BUILDS.map((f) => statSync(f).mtimeMs));
  const newestSource = Math.max(newestMtime(join(ROOT, 'assembly'), '.ts'), statSync(join(ROOT, 'scripts', 'asbuild.mjs')).mtimeMs);
  return newestSource > oldestBuild;
}

function tryLock() {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    // Someone else builds; a lock older than two minutes was left by a crashed run.
    try {
      if (Date.now() - statSync(LOCK).mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
    } catch {
      // gone meanwhile
    }
    return false;
  }
}

/** Makes sure dist/ (tsc) and build/ (the wasm) match the sources; waits while another worker builds. */
export async function ensureBuilt() {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (;;) {
    if (tryLock()) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  try {
    if (wasmStale()) execFileSync(process.execPath, ['scripts/asbuild.mjs'], { cwd: ROOT, stdio: 'pipe' });
    if (distStale()) {
      try {
        execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe' });
      } catch (e) {
        // tsc still writes its output when types fail somewhere else in src/; only a missing CLI is fatal here.
        if (!existsSync(join(ROOT, 'dist', 'cli', 'tutorial.js'))) throw e;
      }
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
