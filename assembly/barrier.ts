// The barrier of the thread pool (threads build): all threads running a plan meet here.
// In builds without threads every job runs on one thread and the barrier is a no-op.
// see: ggml's ggml_barrier (counter + generation).
import { ptr, H_CONTROL, C_BARRIER_COUNT, C_BARRIER_GENERATION } from './plan';

@inline function word(ctrl: usize, w: i32): usize {
  return ctrl + (<usize>w << 2);
}

/** Waits until all nThreads threads running this plan have arrived. */
export function barrier(plan: usize, nThreads: i32): void {
  if (nThreads <= 1) return;
  if (!ASC_FEATURE_THREADS) { unreachable(); return; }   // single-threaded builds never get more threads
  if (ASC_FEATURE_THREADS) {
    const ctrl = ptr(plan, H_CONTROL);
    const gen = atomic.load<i32>(word(ctrl, C_BARRIER_GENERATION));
    if (atomic.add<i32>(word(ctrl, C_BARRIER_COUNT), 1) == nThreads - 1) {
      atomic.store<i32>(word(ctrl, C_BARRIER_COUNT), 0);
      atomic.add<i32>(word(ctrl, C_BARRIER_GENERATION), 1);   // a seq-cst RMW: publishes every write before it
      atomic.notify(word(ctrl, C_BARRIER_GENERATION), nThreads);
    } else {
      while (atomic.load<i32>(word(ctrl, C_BARRIER_GENERATION)) == gen) {
        atomic.wait<i32>(word(ctrl, C_BARRIER_GENERATION), gen, -1);
      }
    }
  }
}
