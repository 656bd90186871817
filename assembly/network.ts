// The runner: executes a plan (see plan.ts) forward, through the loss, backward, and through the
// optimizer, for a batch of N samples, in one call from the host.
//
// Work is cut into nChunks = min(N, MAX_CHUNKS) chunks of consecutive samples. Thread t owns chunks
// t, t + nThreads, ...: it runs every op on those samples, so forward and backward need no barrier
// between ops (each op only reads what the same thread wrote for the same samples). Weight gradients go
// into per-chunk partials and are summed chunk 0, 1, 2, ... in that order, so the result depends on N
// only, never on the thread count. One barrier separates backward from the update.
import {
  HEADER_WORDS, OP_WORDS, field, fieldF32, ptr, chunkStart,
  H_NUM_OPS, H_NUM_PARAMS, H_PARAMS, H_GRADS, H_PARTIALS, H_STATE1, H_STATE2, H_STATE3, H_SCRATCH,
  H_SCRATCH_BYTES, H_LOSS_PARTIALS, H_TARGET, H_LOSS, H_OUTPUT, H_DOUTPUT, H_OUTPUT_SIZE, H_OPTIMIZER,
  H_LR, H_P1, H_P2, H_P3, H_P4, H_EPSILON, H_FLAG, H_ONE_MINUS_ACC1, H_ONE_MINUS_ACC2, H_MAX_CHUNKS,
  H_FUSED_LOSS,
  F_KIND, F_ACT, F_H, F_C, F_OH, F_OW, F_OC, F_X, F_Y, F_DX, F_DY, F_KERNEL, F_BIAS, F_DKERNEL, F_DBIAS, F_AUX,
  OP_CONV2D, OP_MAXPOOL2D, OP_UPSAMPLE2D, OP_DENSE,
  OPT_SGD, OPT_ADADELTA, OPT_ADAM, OPT_ADAGRAD, OPT_RMSPROP,
} from './plan';
import { ConvShape, conv2dForward, conv2dBackward, conv2dScratchBytes } from './conv2d';
import { maxPool2dForward, maxPool2dBackward } from './pool2d';
import { upSample2dForward, upSample2dBackward } from './upsample2d';
import { denseForward, denseBackward, denseScratchBytes } from './dense';
import { activationBackward } from './activations';
import { lossForwardBackward } from './losses';
import { sgdUpdate, adadeltaUpdate, adamUpdate, adagradUpdate, rmspropUpdate } from './optimizers';
import { barrier } from './threads';

@inline function opAt(plan: usize, i: i32): usize {
  return plan + (<usize>(HEADER_WORDS + i * OP_WORDS) << 2);
}

// The op record's fields H..padLeft (words 2..13) have ConvShape's layout: view them in place.
@inline function shapeOf(op: usize): ConvShape {
  return changetype<ConvShape>(op + (<usize>F_H << 2));
}

@inline function numChunks(plan: usize, N: i32): i32 {
  return min(N, field(plan, H_MAX_CHUNKS));
}

@inline function scratchOf(plan: usize, tid: i32): usize {
  return ptr(plan, H_SCRATCH) + <usize>tid * <usize>field(plan, H_SCRATCH_BYTES);
}

@inline function outSize(op: usize): i32 {
  return field(op, F_OH) * field(op, F_OW) * field(op, F_OC);
}

// keepArgmax: max-pool records its winners only when a backward pass will follow.
function opForward(op: usize, n0: i32, n1: i32, scratch: usize, keepArgmax: bool): void {
  const kind = field(op, F_KIND);
  const s = shapeOf(op);
  if (kind == OP_CONV2D) {
    conv2dForward(s, ptr(op, F_X), ptr(op, F_KERNEL), ptr(op, F_BIAS), field(op, F_ACT), ptr(op, F_Y), n0, n1, scratch);
  } else if (kind == OP_MAXPOOL2D) {
    maxPool2dForward(s, ptr(op, F_X), ptr(op, F_Y), keepArgmax ? ptr(op, F_AUX) : 0, n0, n1);
  } else if (kind == OP_UPSAMPLE2D) {
    upSample2dForward(s, ptr(op, F_X), ptr(op, F_Y), n0, n1);
  } else if (kind == OP_DENSE) {
    const rows = field(op, F_H);   // rows per sample: Dense acts on the last axis
    denseForward(field(op, F_C), field(op, F_OC), ptr(op, F_X), ptr(op, F_KERNEL), ptr(op, F_BIAS), field(op, F_ACT), ptr(op, F_Y),
                 n0 * rows, n1 * rows);
  }
}

// dy of this op is dL/d(output); with skipActivation it already is dL/d(pre-activation).
function opBackward(op: usize, n0: i32, n1: i32, chunkOffset: usize, scratch: usize, skipActivation: bool): void {
  const kind = field(op, F_KIND);
  const s = shapeOf(op);
  const dy = ptr(op, F_DY);
  if (kind == OP_CONV2D || kind == OP_DENSE) {
    if (!skipActivation) {
      const size = outSize(op);
      const o = <usize>(n0 * size) << 2;
      activationBackward(dy + o, ptr(op, F_Y) + o, (n1 - n0) * size, field(op, F_ACT));
    }
    const dw = ptr(op, F_DKERNEL) + chunkOffset, db = ptr(op, F_DBIAS) + chunkOffset;
    if (kind == OP_CONV2D) conv2dBackward(s, ptr(op, F_X), ptr(op, F_KERNEL), dy, ptr(op, F_DX), dw, db, n0, n1, scratch);
    else denseBackward(field(op, F_C), field(op, F_OC), ptr(op, F_X), ptr(op, F_KERNEL), dy, ptr(op, F_DX), dw, db,
                       n0 * field(op, F_H), n1 * field(op, F_H), scratch);
  } else if (kind == OP_MAXPOOL2D) {
    if (ptr(op, F_DX) != 0) maxPool2dBackward(s, dy, ptr(op, F_AUX), ptr(op, F_DX), n0, n1);
  } else if (kind == OP_UPSAMPLE2D) {
    if (ptr(op, F_DX) != 0) upSample2dBackward(s, dy, ptr(op, F_DX), n0, n1);
  }
}

function forwardChunks(plan: usize, N: i32, tid: i32, nThreads: i32, keepArgmax: bool): void {
  const nOps = field(plan, H_NUM_OPS);
  const nChunks = numChunks(plan, N);
  const scratch = scratchOf(plan, tid);
  for (let c = tid; c < nChunks; c += nThreads) {
    const n0 = chunkStart(N, nChunks, c), n1 = chunkStart(N, nChunks, c + 1);
    for (let i = 0; i < nOps; i++) opForward(opAt(plan, i), n0, n1, scratch, keepArgmax);
  }
}

// Loss of this thread's chunks into the f64 loss partials, and dL/d(output) into H_DOUTPUT.
function lossChunks(plan: usize, N: i32, tid: i32, nThreads: i32): void {
  const nChunks = numChunks(plan, N);
  const size = field(plan, H_OUTPUT_SIZE);
  const partials = ptr(plan, H_LOSS_PARTIALS);
  for (let c = tid; c < nChunks; c += nThreads) {
    const n0 = chunkStart(N, nChunks, c), n1 = chunkStart(N, nChunks, c + 1);
    const sum = lossForwardBackward(field(plan, H_LOSS), field(plan, H_FUSED_LOSS) != 0, ptr(plan, H_OUTPUT),
                                    ptr(plan, H_TARGET), ptr(plan, H_DOUTPUT), n0 * size, n1 * size, N * size);
    store<f64>(partials + (<usize>c << 3), sum);
  }
}

function backwardChunks(plan: usize, N: i32, tid: i32, nThreads: i32): void {
  const nOps = field(plan, H_NUM_OPS);
  const nChunks = numChunks(plan, N);
  const scratch = scratchOf(plan, tid);
  const partialBytes = <usize>field(plan, H_NUM_PARAMS) << 2;
  const fused = field(plan, H_FUSED_LOSS) != 0;
  for (let c = tid; c < nChunks; c += nThreads) {
    const n0 = chunkStart(N, nChunks, c), n1 = chunkStart(N, nChunks, c + 1);
    const chunkOffset = <usize>c * partialBytes;
    memory.fill(ptr(plan, H_PARTIALS) + chunkOffset, 0, partialBytes);
    for (let i = nOps - 1; i >= 0; i--) opBackward(opAt(plan, i), n0, n1, chunkOffset, scratch, fused && i == nOps - 1);
  }
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

/** Scratch bytes one thread needs to run the op record at op (its kind and shape fields suffice). */
export function opScratchBytes(op: usize): i32 {
  const kind = field(op, F_KIND);
  if (kind == OP_CONV2D) return conv2dScratchBytes(shapeOf(op));
  if (kind == OP_DENSE) return denseScratchBytes(field(op, F_C), field(op, F_OC));
  return 0;
}

/** Forward pass of N samples: the plan's input buffer → every op's output. */
export function forward(plan: usize, N: i32, tid: i32, nThreads: i32): void {
  forwardChunks(plan, N, tid, nThreads, false);
}

/** Forward and loss of N samples against H_TARGET; the loss partials hold per-chunk sums. */
export function evaluate(plan: usize, N: i32, tid: i32, nThreads: i32): void {
  forwardChunks(plan, N, tid, nThreads, false);
  lossChunks(plan, N, tid, nThreads);
}

/** Forward, loss and backward of N samples; leaves dL/dparams in H_GRADS (no update). */
export function gradients(plan: usize, N: i32, tid: i32, nThreads: i32): void {
  forwardChunks(plan, N, tid, nThreads, true);
  lossChunks(plan, N, tid, nThreads);
  backwardChunks(plan, N, tid, nThreads);
  barrier(plan, nThreads);
  reduceGradients(plan, N, tid, nThreads);
}

/** One training step on N samples: forward, loss, backward, gradient reduction and optimizer update. */
export function trainStep(plan: usize, N: i32, tid: i32, nThreads: i32): void {
  gradients(plan, N, tid, nThreads);
  updateParameters(plan, tid, nThreads);   // each thread updates the slice it just reduced
}
