// Exports of the wasm module. The host owns all memory: it lays out one arena above heapBase() and
// passes byte pointers; nothing here allocates (stub runtime), so several instances can share memory.
export { forward, evaluate, gradients, trainStep } from './network';
export { opScratchBytes } from './ops';
export { gemm } from './gemm';
export { bytesToFloats, firstNonFinite } from './convert';
export { workerLoop, jobDone, markFailed } from './threads';

/** First byte the host may use: everything below holds this module's static data. */
export function heapBase(): usize {
  return __heap_base;
}

/** 1 in builds compiled with SIMD, else 0. */
export function hasSimd(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}

/** 1 in builds compiled with threads, else 0. */
export function hasThreads(): i32 {
  return ASC_FEATURE_THREADS ? 1 : 0;
}

/** 1 in builds compiled with relaxed SIMD (f32x4.relaxed_madd in the tiles), else 0. */
export function hasRelaxedSimd(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}
