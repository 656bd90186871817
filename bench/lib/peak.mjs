// Peak f32 GFLOP/s of wasm SIMD on this machine, one core and all cores: bench/peak.ts compiled with
// asc into bench/build/peak.wasm, run in worker_threads (one instance per thread, no shared memory).
import asc from 'assemblyscript/asc';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startPeakThreads } from './peak-threads.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
export const BENCH_BUILD = here('../build/');

/**
 * Compiles bench/peak.ts (once per bench run) and returns the compiled module; relaxed: the relaxed-SIMD
 * copy (bench/build/peak-relaxed.wasm), which only a runtime with relaxed SIMD compiles.
 */
export async function compilePeak(relaxed = false) {
  mkdirSync(BENCH_BUILD, { recursive: true });
  const out = `${BENCH_BUILD}${relaxed ? 'peak-relaxed' : 'peak'}.wasm`;
  const { error, stderr } = await asc.main([here('../peak.ts'), '--enable', relaxed ? 'simd,relaxed-simd' : 'simd', '--runtime', 'stub', '--noAssert',
    '--optimizeLevel', '3', '--shrinkLevel', '0', '--outFile', out]);
  if (error) throw new Error(`asc bench/peak.ts: ${error.message}\n${stderr}`);
  return WebAssembly.compile(readFileSync(out));
}

// Multiply-add pairs per loop iteration of each kernel (see peak.ts); 8 FLOPs per pair (4 lanes x 2).
export const KERNELS = { mulAdd12: 12, mulAdd8: 8, split6x6: 6 };

/**
 * Runs `kernel` on `threads` worker threads at once, `runs` times; returns per-run aggregate GFLOP/s
 * (the sum over threads of each thread's own rate: they all run the same work at the same time).
 */
export async function measureKernel(module, kernel, threads, { runs, iters, calls, warmupMs }) {
  const pool = await startPeakThreads(module, kernel, threads, { iters, calls, runs, warmupMs });
  const flopPerCall = KERNELS[kernel] * 8 * iters;
  const gflops = [];
  const wall = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const perThread = (await pool.run(r)).map((seconds) => (flopPerCall * calls) / seconds / 1e9);
    const seconds = (performance.now() - t0) / 1000;
    gflops.push(perThread.reduce((s, x) => s + x, 0));
    wall.push((flopPerCall * calls * threads) / seconds / 1e9);
  }
  await pool.close();
  return { kernel, threads, gflops, wallGflops: wall };
}

/**
 * One core (every kernel; the best run is "the peak") and all cores (the best kernel on every core).
 * relaxed: the multiply-add chains as relaxed_madd (the split mul/add kernel has no FMA form).
 */
export async function measurePeak({ quick, cores, relaxed = false }) {
  const module = await compilePeak(relaxed);
  // One run is about 50 ms (--quick) or 200 ms of work per thread at ~40 GFLOP/s.
  const opts = quick ? { runs: 3, iters: 2_000_000, calls: 10, warmupMs: 150 } : { runs: 7, iters: 4_000_000, calls: 20, warmupMs: 300 };
  const oneCore = [];
  for (const k of Object.keys(KERNELS).filter((k) => !relaxed || k !== 'split6x6')) oneCore.push(await measureKernel(module, k, 1, opts));
  const best = oneCore.reduce((a, b) => (Math.max(...b.gflops) > Math.max(...a.gflops) ? b : a));
  const allCores = cores > 1 ? await measureKernel(module, best.kernel, cores, opts) : best;
  return { oneCore, best: best.kernel, allCores, options: opts };
}
