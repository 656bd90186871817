// Synchronisation between the threads that run one plan. In builds without threads every call runs
// with nThreads = 1 and the barrier is a no-op; the threads build (issue: threads) replaces it with a
// ggml-style counter barrier on shared memory.

/** Waits until all nThreads threads of this call have arrived. */
@inline export function barrier(nThreads: i32): void {
  if (nThreads > 1) unreachable(); // single-threaded builds are never called with more threads
}
