// Compiles assembly/index.ts into the wasm variants the engine picks from at run time.
// One source, several builds: ASC_FEATURE_SIMD / ASC_FEATURE_THREADS / ASC_FEATURE_RELAXED_SIMD select
// code paths at compile time. `node scripts/asbuild.mjs [--debug]`; the bench imports buildVariants to
// build an earlier revision for its before/after column (bench --baseline).
import asc from 'assemblyscript/asc';
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const common = [
  '--runtime', 'stub',        // nothing is allocated in wasm: the host owns one arena, and several instances share it
  '--importMemory',
  '--optimizeLevel', '3',
  '--shrinkLevel', '0',
  '--noAssert',
  '--converge',
];

// Shared memory for the thread pool: the host creates it (up to 1 GiB) and every worker imports it.
const shared = ['--sharedMemory', '--initialMemory', '1', '--maximumMemory', '16384'];

export const VARIANTS = [
  { name: 'scalar', flags: [] },
  { name: 'simd', flags: ['--enable', 'simd'] },
  { name: 'simd-threads', flags: ['--enable', 'simd,threads', ...shared] },
  // Fused multiply-add in the tiles (f32x4.relaxed_madd): other bits than the three above, picked only
  // where the runtime validates relaxed SIMD (see src/engine/wasm.ts).
  { name: 'relaxed-simd', flags: ['--enable', 'simd,relaxed-simd'] },
  { name: 'relaxed-simd-threads', flags: ['--enable', 'simd,relaxed-simd,threads', ...shared] },
];

/** Builds `names` (default: all) from `source` into `outDir`/denoise.<name>.wasm; throws on an error. */
export async function buildVariants({ source = 'assembly/index.ts', outDir = 'build', names, debug = false, log = console.log } = {}) {
  mkdirSync(outDir, { recursive: true });
  for (const v of VARIANTS.filter((v) => !names || names.includes(v.name))) {
    const out = `${outDir}/denoise.${v.name}.wasm`;
    const args = [source, ...common, ...v.flags, '--outFile', out];
    if (debug) args.push('--textFile', `${outDir}/denoise.${v.name}.wat`);
    const { error, stderr } = await asc.main(args);
    if (error) throw new Error(`asbuild: ${out} failed: ${error.message}\n${stderr.toString()}`);
    log(`asbuild: ${out}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await buildVariants({ debug: process.argv.includes('--debug') });
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
