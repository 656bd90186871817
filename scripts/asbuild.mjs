// Compiles assembly/index.ts into the wasm variants the engine picks from at run time.
// One source, several builds: ASC_FEATURE_SIMD / ASC_FEATURE_THREADS select code paths at compile time.
import asc from 'assemblyscript/asc';
import { mkdirSync } from 'node:fs';

const common = [
  'assembly/index.ts',
  '--runtime', 'stub',        // nothing is allocated in wasm: the host owns one arena (see WASM-NOTES)
  '--importMemory',
  '--optimizeLevel', '3',
  '--shrinkLevel', '0',
  '--noAssert',
  '--converge',
];

// Shared memory for the thread pool: the host creates it (up to 1 GiB) and every worker imports it.
const shared = ['--sharedMemory', '--initialMemory', '1', '--maximumMemory', '16384'];

const variants = [
  { name: 'scalar', flags: [] },
  { name: 'simd', flags: ['--enable', 'simd'] },
  { name: 'simd-threads', flags: ['--enable', 'simd,threads', ...shared] },
  // Fused multiply-add in the tiles (f32x4.relaxed_madd): other bits than the three above, picked only
  // where the runtime validates relaxed SIMD (see src/engine/wasm.ts).
  { name: 'relaxed-simd', flags: ['--enable', 'simd,relaxed-simd'] },
  { name: 'relaxed-simd-threads', flags: ['--enable', 'simd,relaxed-simd,threads', ...shared] },
];

mkdirSync('build', { recursive: true });
const debug = process.argv.includes('--debug');
for (const v of variants) {
  const out = `build/denoise.${v.name}.wasm`;
  const args = [...common, ...v.flags, '--outFile', out];
  if (debug) args.push('--textFile', `build/denoise.${v.name}.wat`);
  const { error, stderr } = await asc.main(args);
  if (error) {
    console.error(stderr.toString());
    console.error(`asbuild: ${out} failed: ${error.message}`);
    process.exit(1);
  }
  console.log(`asbuild: ${out}`);
}
