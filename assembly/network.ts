// The runner: executes a plan (see plan.ts) forward, through the loss, backward, and through the
// optimizer, for a batch of N samples, in one call from the host.
//
// Work is cut into nChunks = min(N, MAX_CHUNKS) chunks of consecutive samples. Thread t owns chunks
// t, t + nThreads, ... (a prediction's samples, and a training step's chunks when no op needs the whole
// batch, go to whichever thread is free: forwardClaimed, chunksClaimed): it runs
// every op on those samples, so forward and backward need no barrier between ops (each op only reads
// what the same thread wrote for the same samples). The ops form a DAG
// in topological order: an op may read any earlier op's output (see ops.ts for what each kind reads). Weight gradients go
// into per-chunk partials and are summed chunk 0, 1, 2, ... in that order, so the result depends on N
// only, never on the thread count. One barrier separates backward from the update.
import {
  HEADER_WORDS, OP_WORDS, field, fieldF32, ptr, chunkStart,
  H_NUM_OPS, H_NUM_PARAMS, H_PARAMS, H_GRADS, H_PARTIALS, H_STATE1, H_STATE2, H_STATE3, H_SCRATCH,
  H_SCRATCH_BYTES, H_LOSS_PARTIALS, H_TARGET, H_LOSS, H_OUTPUT, H_DOUTPUT, H_OUTPUT_SIZE, H_OPTIMIZER,
  H_LR, H_P1, H_P2, H_P3, H_P4, H_EPSILON, H_FLAG, H_ONE_MINUS_ACC1, H_ONE_MINUS_ACC2, H_MAX_CHUNKS,
  H_FUSED_LOSS, H_OUTPUT_OP, H_STEP, H_CONTROL, C_NEXT_CLAIM, H_REGULARIZERS, H_NUM_REGULARIZERS, REG_WORDS, R_OFFSET, R_COUNT, R_L1, R_L2,
  OPT_SGD, OPT_ADADELTA, OPT_ADAM, OPT_ADAGRAD, OPT_RMSPROP,
} from './plan';
import { opForward, opBackward, needsBatch, batchSumsForward, batchApplyForward, batchSumsBackward, batchApplyBackward } from './ops';
import { lossForwardBackward } from './losses';
import { sgdUpdate, adadeltaUpdate, adamUpdate, adagradUpdate, rmspropUpdate } from './optimizers';
import { barrier } from './barrier';

@inline function opAt(plan: usize, i: i32): usize {
  return plan + (<usize>(HEADER_WORDS + i * OP_WORDS) << 2);
}

@inline function numChunks(plan: usize, N: i32): i32 {
  return min(N, field(plan, H_MAX_CHUNKS));
}

@inline function scratchOf(plan: usize, tid: i32): usize {
  return ptr(plan, H_SCRATCH) + <usize>tid * <usize>field(plan, H_SCRATCH_BYTES);
}

// Ops run chunk by chunk with no barrier between them, except at ops that need the whole batch in
// training (BatchNormalization): there every thread first runs the ops before it on all its chunks, the
// op's per-chunk sums are written, and a barrier lets every thread read all of them.
// training: the forward pass of a training step (dropout and noise layers draw, max-pool keeps winners,
// BatchNormalization uses the batch's statistics); updateMoving: its moving averages move too.
function forwardChunks(plan: usize, N: i32, tid: i32, nThreads: i32, training: bool, updateMoving: bool): void {
  const nOps = field(plan, H_NUM_OPS);
  const step = <u32>field(plan, H_STEP);
  const nChunks = numChunks(plan, N);
  const scratch = scratchOf(plan, tid);
  let start = 0;
  for (let i = 0; i <= nOps; i++) {
    const batchOp = i < nOps && training && needsBatch(opAt(plan, i));
    if (i < nOps && !batchOp) continue;
    for (let c = tid; c < nChunks; c += nThreads) {
      forwardOps(plan, start, i, chunkStart(N, nChunks, c), chunkStart(N, nChunks, c + 1), scratch, training, step);
    }
    if (batchOp) {
      const op = opAt(plan, i);
      for (let c = tid; c < nChunks; c += nThreads) batchSumsForward(plan, op, c, chunkStart(N, nChunks, c), chunkStart(N, nChunks, c + 1));
      barrier(plan, nThreads);
      batchApplyForward(plan, op, N, tid, nThreads, scratch, updateMoving);
    }
    start = i + 1;
  }
}

// Loss of this thread's chunks into the f64 loss partials, and dL/d(output) into H_DOUTPUT.
function lossChunks(plan: usize, N: i32, tid: i32, nThreads: i32): void {
  const nChunks = numChunks(plan, N);
  for (let c = tid; c < nChunks; c += nThreads) lossOfChunk(plan, N, nChunks, c);
}

function lossOfChunk(plan: usize, N: i32, nChunks: i32, c: i32): void {
  const size = field(plan, H_OUTPUT_SIZE);
  const n0 = chunkStart(N, nChunks, c), n1 = chunkStart(N, nChunks, c + 1);
  const sum = lossForwardBackward(field(plan, H_LOSS), field(plan, H_FUSED_LOSS) != 0, ptr(plan, H_OUTPUT),
                                  ptr(plan, H_TARGET), ptr(plan, H_DOUTPUT), n0 * size, n1 * size, N * size);
  store<f64>(ptr(plan, H_LOSS_PARTIALS) + (<usize>c << 3), sum);
}

function backwardChunks(plan: usize, N: i32, tid: i32, nThreads: i32): void {
  const nOps = field(plan, H_NUM_OPS);
  const nChunks = numChunks(plan, N);
  const scratch = scratchOf(plan, tid);
  const partialBytes = <usize>field(plan, H_NUM_PARAMS) << 2;
  const step = <u32>field(plan, H_STEP);
  for (let c = tid; c < nChunks; c += nThreads) zeroPartials(plan, c);
  // Backward in reverse, in segments between batch ops (see forwardChunks): ops (i, end] then op i.
  let end = nOps - 1;
  for (let i = nOps - 1; i >= -1; i--) {
    const batchOp = i >= 0 && needsBatch(opAt(plan, i));
    if (i >= 0 && !batchOp) continue;
    for (let c = tid; c < nChunks; c += nThreads) {
      backwardOps(plan, end, i, c, chunkStart(N, nChunks, c), chunkStart(N, nChunks, c + 1), scratch, step);
    }
    if (batchOp) {
      const op = opAt(plan, i);
      for (let c = tid; c < nChunks; c += nThreads) {
        batchSumsBackward(plan, op, N, c, chunkStart(N, nChunks, c), chunkStart(N, nChunks, c + 1), <usize>c * partialBytes, scratch);
      }
      barrier(plan, nThreads);
      batchApplyBackward(plan, op, N, tid, nThreads, scratch);
    }
    end = i - 1;
  }
}

// Ops from..to-1 forward on samples [n0, n1).
@inline function forwardOps(plan: usize, from: i32, to: i32, n0: i32, n1: i32, scratch: usize, training: bool, step: u32): void {
  for (let j = from; j < to; j++) opForward(opAt(plan, j), n0, n1, scratch, training, step);
}

// Ops from, from-1, ..., downTo+1 backward on chunk c's samples [n0, n1), weight gradients into its partials.
@inline function backwardOps(plan: usize, from: i32, downTo: i32, c: i32, n0: i32, n1: i32, scratch: usize, step: u32): void {
  const partials = <usize>c * (<usize>field(plan, H_NUM_PARAMS) << 2);
  const fusedOp = field(plan, H_FUSED_LOSS) != 0 ? field(plan, H_OUTPUT_OP) : -1;
  for (let j = from; j > downTo; j--) opBackward(opAt(plan, j), n0, n1, partials, scratch, j == fusedOp, step);
}

@inline function zeroPartials(plan: usize, c: i32): void {
  const bytes = <usize>field(plan, H_NUM_PARAMS) << 2;
  memory.fill(ptr(plan, H_PARTIALS) + <usize>c * bytes, 0, bytes);
}

// Whether an op needs the whole batch in training (BatchNormalization), and so the fixed chunks.
function hasBatchOp(plan: usize): bool {
  const nOps = field(plan, H_NUM_OPS);
  for (let i = 0; i < nOps; i++) if (needsBatch(opAt(plan, i))) return true;
  return false;
}

@inline function sliceStart(n: i32, tid: i32, nThreads: i32): i32 {
  return <i32>((<i64>n * tid) / nThreads);
}

// grads[i] = Σ_c partials[c][i] for this thread's slice of parameters, summed in chunk order.
function reduceGradients(plan: usize, N: i32, tid: i32, nThreads: i32): void {
  const n = field(plan, H_NUM_PARAMS);
  const nChunks = numChunks(plan, N);
  const i0 = sliceStart(n, tid, nThreads), i1 = sliceStart(n, tid + 1, nThreads);
  const grads = ptr(plan, H_GRADS), partials = ptr(plan, H_PARTIALS);
  const stride = <usize>n << 2;
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    let acc = load<f32>(partials + o);
    for (let c = 1; c < nChunks; c++) acc = acc + load<f32>(partials + <usize>c * stride + o);
    store<f32>(grads + o, acc);
  }
  addPenaltyGradients(plan, i0, i1);
}

// dL/dw += l1·sign(w) + l2·(2w) on this thread's slice of each penalised weight (elementwise: the slicing
// does not change the bits). The penalty's own terms are summed first, then added, as TF.js's tape does.
function addPenaltyGradients(plan: usize, i0: i32, i1: i32): void {
  const count = field(plan, H_NUM_REGULARIZERS);
  const params = ptr(plan, H_PARAMS), grads = ptr(plan, H_GRADS);
  for (let r = 0; r < count; r++) {
    const e = ptr(plan, H_REGULARIZERS) + (<usize>(r * REG_WORDS) << 2);
    const start = max(i0, field(e, R_OFFSET)), end = min(i1, field(e, R_OFFSET) + field(e, R_COUNT));
    const l1 = fieldF32(e, R_L1), l2 = fieldF32(e, R_L2);
    for (let i = start; i < end; i++) {
      const o = <usize>i << 2;
      const w = load<f32>(params + o);
      const sign: f32 = w > 0 ? 1 : w < 0 ? -1 : 0;
      store<f32>(grads + o, load<f32>(grads + o) + (l1 * sign + l2 * (w * 2)));
    }
  }
}

function updateParameters(plan: usize, tid: i32, nThreads: i32): void {
  const n = field(plan, H_NUM_PARAMS);
  const i0 = sliceStart(n, tid, nThreads), i1 = sliceStart(n, tid + 1, nThreads);
  const p = ptr(plan, H_PARAMS), g = ptr(plan, H_GRADS);
  const s1 = ptr(plan, H_STATE1), s2 = ptr(plan, H_STATE2), s3 = ptr(plan, H_STATE3);
  const lr = fieldF32(plan, H_LR), eps = fieldF32(plan, H_EPSILON);
  const p1 = fieldF32(plan, H_P1), p2 = fieldF32(plan, H_P2), p3 = fieldF32(plan, H_P3), p4 = fieldF32(plan, H_P4);
  const flag = field(plan, H_FLAG) != 0;
  const kind = field(plan, H_OPTIMIZER);
  if (kind == OPT_SGD) sgdUpdate(p, g, s1, i0, i1, lr, p1, flag);
  else if (kind == OPT_ADADELTA) adadeltaUpdate(p, g, s1, s2, i0, i1, lr, p1, p2, eps, flag);
  else if (kind == OPT_ADAM) adamUpdate(p, g, s1, s2, i0, i1, lr, p1, p2, p3, p4, eps,
                                        fieldF32(plan, H_ONE_MINUS_ACC1), fieldF32(plan, H_ONE_MINUS_ACC2));
  else if (kind == OPT_ADAGRAD) adagradUpdate(p, g, s1, i0, i1, lr, eps);
  else if (kind == OPT_RMSPROP) rmspropUpdate(p, g, s1, s2, s3, i0, i1, lr, p1, p2, p3, eps, flag);
}

/** Forward pass of N samples: the plan's input buffer → every op's output. */
export function forward(plan: usize, N: i32, tid: i32, nThreads: i32): void {
  if (ASC_FEATURE_THREADS && nThreads > 1) forwardClaimed(plan, N, tid, nThreads);
  else forwardChunks(plan, N, tid, nThreads, false, false);
}

// A prediction's samples go to whichever thread is free (an atomic counter of claimed samples, which the
// host zeroes per job) instead of thread t taking chunks t, t + nThreads, ...: a thread slowed down (the
// host writing the output's pages beside it, another process) no longer leaves the others waiting. Each
// claim takes a share of what is left, at most a chunk: 1 / (2 nThreads) of it, so the last claims are
// single samples and the threads finish within about one sample's time of each other. The bits are
// the same: in a prediction no op mixes samples, so a sample's values do not depend on the thread nor on
// the claim that computes them (the SIMD tiles give a sample's row the same sums in a 4-row tile as in a
// 1-row one). Only here: evaluate and training steps claim whole chunks (chunksClaimed), as their loss
// partials are per chunk; training steps with BatchNormalization
// keep fixed chunks (forwardChunks), each read by its owner after the batch's barrier.
function forwardClaimed(plan: usize, N: i32, tid: i32, nThreads: i32): void {
  if (ASC_FEATURE_THREADS && N > 0) {
    const nOps = field(plan, H_NUM_OPS), nChunks = numChunks(plan, N);
    const scratch = scratchOf(plan, tid), step = <u32>field(plan, H_STEP);
    const next = ptr(plan, H_CONTROL) + (<usize>C_NEXT_CLAIM << 2);
    const most = (N + nChunks - 1) / nChunks;
    for (let n0 = atomic.load<i32>(next); n0 < N; n0 = atomic.load<i32>(next)) {
      const n1 = n0 + min(most, max(1, (N - n0) / (2 * nThreads)));
      if (atomic.cmpxchg<i32>(next, n0, n1) != n0) continue;   // another thread claimed from n0 first
      for (let j = 0; j < nOps; j++) opForward(opAt(plan, j), n0, n1, scratch, false, step);
    }
  }
}

/** Forward and loss of N samples against H_TARGET; the loss partials hold per-chunk sums. */
export function evaluate(plan: usize, N: i32, tid: i32, nThreads: i32): void {
  if (ASC_FEATURE_THREADS && nThreads > 1) chunksClaimed(plan, N, tid, false);
  else {
    forwardChunks(plan, N, tid, nThreads, false, false);
    lossChunks(plan, N, tid, nThreads);
  }
}

// Training (training: no op needs the whole batch, no BatchNormalization: !hasBatchOp) and evaluate on
// several threads: a thread claims a chunk at a time (an atomic counter, as in forwardClaimed; the host
// zeroes it per job) and runs the chunk's forward, loss and, training, backward in one go, so a thread
// slowed by something else (another process, the host) takes fewer chunks instead of keeping the others
// waiting at the barrier. A chunk's values and its partials depend on the chunk only, not on the thread,
// so the bits are those of the fixed chunks (forwardChunks, lossChunks, backwardChunks).
function chunksClaimed(plan: usize, N: i32, tid: i32, training: bool): void {
  if (!ASC_FEATURE_THREADS) return;
  const nOps = field(plan, H_NUM_OPS), nChunks = numChunks(plan, N);
  const scratch = scratchOf(plan, tid), step = <u32>field(plan, H_STEP);
  const next = ptr(plan, H_CONTROL) + (<usize>C_NEXT_CLAIM << 2);
  for (let c = atomic.add<i32>(next, 1); c < nChunks; c = atomic.add<i32>(next, 1)) {
    const n0 = chunkStart(N, nChunks, c), n1 = chunkStart(N, nChunks, c + 1);
    forwardOps(plan, 0, nOps, n0, n1, scratch, training, step);
    lossOfChunk(plan, N, nChunks, c);
    if (!training) continue;
    zeroPartials(plan, c);
    backwardOps(plan, nOps - 1, -1, c, n0, n1, scratch, step);
  }
}

/** Forward, loss and backward of N samples; leaves dL/dparams in H_GRADS (no update). */
export function gradients(plan: usize, N: i32, tid: i32, nThreads: i32): void {
  gradientsOf(plan, N, tid, nThreads, false);
}

// Training-mode forward (batch statistics; updateMoving: BatchNormalization's moving averages move too),
// loss, backward and the gradient reduction.
function gradientsOf(plan: usize, N: i32, tid: i32, nThreads: i32, updateMoving: bool): void {
  if (ASC_FEATURE_THREADS && nThreads > 1 && !hasBatchOp(plan)) chunksClaimed(plan, N, tid, true);
  else {
    forwardChunks(plan, N, tid, nThreads, true, updateMoving);
    lossChunks(plan, N, tid, nThreads);
    backwardChunks(plan, N, tid, nThreads);
  }
  barrier(plan, nThreads);
  reduceGradients(plan, N, tid, nThreads);
}

/** One training step on N samples: forward, loss, backward, gradient reduction and optimizer update. */
export function trainStep(plan: usize, N: i32, tid: i32, nThreads: i32): void {
  gradientsOf(plan, N, tid, nThreads, true);
  updateParameters(plan, tid, nThreads);   // each thread updates the slice it just reduced
}
