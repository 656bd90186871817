// The CLI and example tests run the compiled package (dist/ and build/), not the TypeScript sources that
// jest compiles. This brings dist/ up to date first: tsc runs when any src/ file is newer than dist/,
// behind a lock directory so that two jest workers never write dist/ at the same time.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LOCK = join(ROOT, 'dist', '.test-build-lock');

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function stale(): boolean {
  const out = join(ROOT, 'dist', 'cli', 'tutorial.js');
  return !existsSync(out) || newestMtime(join(ROOT, 'src'), '.ts') > statSync(out).mtimeMs;
}

function wasmMissing(): boolean {
  return !existsSync(join(ROOT, 'build', 'denoise.simd.wasm')) || !existsSync(join(ROOT, 'build', 'denoise.scalar.wasm'));
}

function tryLock(): boolean {
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
export async function ensureBuilt(): Promise<void> {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (;;) {
    if (tryLock()) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  try {
    if (wasmMissing()) execFileSync(process.execPath, ['scripts/asbuild.mjs'], { cwd: ROOT, stdio: 'pipe' });
    if (stale()) {
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
