// The thread pool inside wasm (threads build): every worker runs workerLoop over the same shared memory
// and waits on atomics for jobs; the host posts a job by writing the control block and bumping its
// generation, then waits (asynchronously) for C_PENDING to reach zero. No postMessage per batch.
// In builds without threads every job runs on one thread (the barrier is in barrier.ts).
import {
  C_GENERATION, C_PENDING, C_JOB, C_PLAN, C_N, C_THREADS, C_FAILED,
  JOB_FORWARD, JOB_EVALUATE, JOB_GRADIENTS, JOB_TRAIN, JOB_EXIT, JOB_TRAP,
} from './plan';
import { forward, evaluate, gradients, trainStep } from './network';

@inline function word(ctrl: usize, w: i32): usize {
  return ctrl + (<usize>w << 2);
}

function runJob(job: i32, plan: usize, N: i32, tid: i32, nThreads: i32): void {
  if (job == JOB_FORWARD) forward(plan, N, tid, nThreads);
  else if (job == JOB_EVALUATE) evaluate(plan, N, tid, nThreads);
  else if (job == JOB_GRADIENTS) gradients(plan, N, tid, nThreads);
  else if (job == JOB_TRAIN) trainStep(plan, N, tid, nThreads);
  else if (job == JOB_TRAP && tid == N) unreachable();
}

/**
 * A worker's life: wait for the generation to move past `seen`, run the job's share for `tid`, report,
 * repeat until JOB_EXIT. The host hands each worker the generation it started at, so a job posted
 * before the worker got here is not missed.
 */
export function workerLoop(ctrl: usize, tid: i32, startGeneration: i32): void {
  if (!ASC_FEATURE_THREADS) { unreachable(); return; }
  if (ASC_FEATURE_THREADS) {
    let seen = startGeneration;
    while (true) {
      let gen = atomic.load<i32>(word(ctrl, C_GENERATION));
      while (gen == seen) {
        atomic.wait<i32>(word(ctrl, C_GENERATION), seen, -1);
        gen = atomic.load<i32>(word(ctrl, C_GENERATION));
      }
      seen = gen;
      const job = atomic.load<i32>(word(ctrl, C_JOB));
      if (job == JOB_EXIT) { jobDone(ctrl); return; }
      const nThreads = atomic.load<i32>(word(ctrl, C_THREADS));
      if (tid < nThreads) {
        runJob(job, <usize>atomic.load<i32>(word(ctrl, C_PLAN)), atomic.load<i32>(word(ctrl, C_N)), tid, nThreads);
      }
      jobDone(ctrl);
    }
  }
}

/** Marks this worker's share done; the last one wakes the host. Called by the host too after a trap. */
export function jobDone(ctrl: usize): void {
  if (ASC_FEATURE_THREADS) {
    if (atomic.sub<i32>(word(ctrl, C_PENDING), 1) == 1) atomic.notify(word(ctrl, C_PENDING), 1);
  }
}

/** Records that worker tid trapped (the host rejects the pending call). */
export function markFailed(ctrl: usize, tid: i32): void {
  if (ASC_FEATURE_THREADS) atomic.cmpxchg<i32>(word(ctrl, C_FAILED), 0, tid + 1);
}
