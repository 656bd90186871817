// The op registry of the runner: how each op kind reads its record (plan-layout.ts F_* fields) and which
// kernels run it. Adding a layer type adds its kernels in a file of their own and one case to each
// function here.
import {
  field, ptr, F_KIND, F_ACT, F_H, F_C, F_OH, F_OW, F_OC, F_X, F_Y, F_DX, F_DY, F_KERNEL, F_BIAS, F_DKERNEL,
  F_DBIAS, F_AUX, F_TABLE, F_COUNT, F_MEAN, F_VARIANCE, F_STATS, F_BN_EPSILON, F_BN_DECAY, H_MAX_CHUNKS,
  OP_CONV2D, OP_MAXPOOL2D, OP_UPSAMPLE2D, OP_DENSE, OP_ACTIVATION, OP_ADD, OP_SUBTRACT, OP_MULTIPLY, OP_AVERAGE,
  OP_MAXIMUM, OP_CONCATENATE, OP_GRADIENT_SUM, OP_BATCH_NORM, OP_DROPOUT, OP_GAUSSIAN_NOISE, OP_LEAKY_RELU, OP_CONV2D_TRANSPOSE, OP_AVGPOOL2D, fieldF32, chunkStart,
  F_SEED, F_DROP_THRESHOLD, F_DROP_SCALE, F_NOISE_STDDEV, F_CLIP, F_CLIP_LO, F_CLIP_HI, F_ALPHA, ACT_RELU, F_POOLED, F_UP_X,
  F_POOL_ARGMAX, F_FUSED, F_POOL_RELU,
} from './plan';
import { ConvShape, conv2dForward, conv2dBackward, conv2dScratchBytes } from './conv2d';
import { conv2dTransposeForward, conv2dTransposeBackward } from './conv2d-transpose';
import { maxPool2dForward, maxPool2dBackward, avgPool2dForward, avgPool2dBackward } from './pool2d';
import { upSample2dForward, upSample2dBackward } from './upsample2d';
import { denseForward, denseBackward, denseScratchBytes } from './dense';
import { activationBackward, activationForward, activationBackwardInto, leakyReluForward, leakyReluBackward } from './activations';
import { dropoutApply, gaussianNoiseForward, gaussianNoiseBackward } from './noise';
import { mergeForward, mergeBackward, concatenateForward, concatenateBackward, gradientSumBackward } from './merge';
import {
  batchNormSums, batchNormMoments, batchNormNormalize, batchNormInference, batchNormUpdateMoving, batchNormBackwardSums,
  batchNormBackwardDx,
} from './batchnorm';

// The op record's fields H..padLeft (words 2..13) have ConvShape's layout: view them in place.
@inline function shapeOf(op: usize): ConvShape {
  return changetype<ConvShape>(op + (<usize>F_H << 2));
}

/** Floats per sample of the op's output. */
@inline export function outSize(op: usize): i32 {
  return field(op, F_OH) * field(op, F_OW) * field(op, F_OC);
}

@inline function isElementwiseMerge(kind: i32): bool {
  return kind == OP_ADD || kind == OP_SUBTRACT || kind == OP_MULTIPLY || kind == OP_AVERAGE || kind == OP_MAXIMUM;
}

/** Scratch bytes one thread needs to run the op record at op (its kind and shape fields suffice). */
export function opScratchBytes(op: usize): i32 {
  const kind = field(op, F_KIND);
  if (kind == OP_CONV2D || kind == OP_CONV2D_TRANSPOSE) return conv2dScratchBytes(shapeOf(op));
  if (kind == OP_DENSE) return denseScratchBytes(field(op, F_C), field(op, F_OC));
  if (kind == OP_BATCH_NORM) return (3 * field(op, F_C)) << 2;   // the batch's mean, var, invstd
  return 0;
}

/**
 * Forward of samples [n0, n1) of a batch. training: the forward pass of a training step (or of gradients):
 * max-pool records its winners for backward, and dropout and the noise draw for `step`; otherwise
 * (predict, evaluate) those two pass their input through.
 */
export function opForward(op: usize, n0: i32, n1: i32, scratch: usize, training: bool, step: u32): void {
  const kind = field(op, F_KIND);
  const s = shapeOf(op);
  if ((kind == OP_MAXPOOL2D || kind == OP_UPSAMPLE2D) && field(op, F_FUSED) != 0) return;   // a Conv2D next to it runs it
  if (kind == OP_CONV2D) {
    conv2dForward(s, ptr(op, F_X), ptr(op, F_KERNEL), ptr(op, F_BIAS), field(op, F_ACT), ptr(op, F_Y), n0, n1, scratch,
                  ptr(op, F_POOLED), fusedUpsampling(op), training ? ptr(op, F_POOL_ARGMAX) : 0, !training);   // the pool's winners only in training, as maxPool2dForward records them
  } else if (kind == OP_CONV2D_TRANSPOSE) {
    conv2dTransposeForward(s, ptr(op, F_X), ptr(op, F_KERNEL), ptr(op, F_BIAS), field(op, F_ACT), ptr(op, F_Y), n0, n1, scratch);
  } else if (kind == OP_MAXPOOL2D) {
    maxPool2dForward(s, ptr(op, F_X), ptr(op, F_Y), training ? ptr(op, F_AUX) : 0, n0, n1);
  } else if (kind == OP_AVGPOOL2D) {
    avgPool2dForward(s, ptr(op, F_X), ptr(op, F_Y), n0, n1);
  } else if (kind == OP_UPSAMPLE2D) {
    upSample2dForward(s, ptr(op, F_X), ptr(op, F_Y), n0, n1);
  } else if (kind == OP_DENSE) {
    const rows = field(op, F_H);   // rows per sample: Dense acts on the last axis
    denseForward(field(op, F_C), field(op, F_OC), ptr(op, F_X), ptr(op, F_KERNEL), ptr(op, F_BIAS), field(op, F_ACT), ptr(op, F_Y),
                 n0 * rows, n1 * rows);
  } else if (kind == OP_ACTIVATION) {
    const size = outSize(op);
    const o = <usize>(n0 * size) << 2;
    activationForward(ptr(op, F_X) + o, ptr(op, F_Y) + o, (n1 - n0) * size, field(op, F_ACT));
  } else if (isElementwiseMerge(kind)) {
    mergeForward(kind, ptr(op, F_TABLE), field(op, F_COUNT), ptr(op, F_Y), outSize(op), n0, n1);
  } else if (kind == OP_CONCATENATE) {
    concatenateForward(ptr(op, F_TABLE), field(op, F_COUNT), ptr(op, F_Y), field(op, F_OH) * field(op, F_OW), field(op, F_OC), n0, n1);
  } else if (kind == OP_BATCH_NORM) {   // inference; training goes through the batch phases below
    batchNormInference(ptr(op, F_X), ptr(op, F_Y), ptr(op, F_KERNEL), ptr(op, F_BIAS), ptr(op, F_MEAN), ptr(op, F_VARIANCE),
                       fieldF32(op, F_BN_EPSILON), field(op, F_H), field(op, F_C), n0, n1);
  } else if (kind == OP_DROPOUT || kind == OP_GAUSSIAN_NOISE) {
    const size = outSize(op);
    if (!training) {
      const o = <usize>(n0 * size) << 2;
      memory.copy(ptr(op, F_Y) + o, ptr(op, F_X) + o, <usize>((n1 - n0) * size) << 2);
    } else if (kind == OP_DROPOUT) {
      dropoutApply(ptr(op, F_X), ptr(op, F_Y), size, n0, n1, <u32>field(op, F_SEED), step, <u32>field(op, F_DROP_THRESHOLD), fieldF32(op, F_DROP_SCALE));
    } else {
      gaussianNoiseForward(ptr(op, F_X), ptr(op, F_Y), size, n0, n1, <u32>field(op, F_SEED), step, fieldF32(op, F_NOISE_STDDEV),
                           field(op, F_CLIP) != 0, fieldF32(op, F_CLIP_LO), fieldF32(op, F_CLIP_HI));
    }
  } else if (kind == OP_LEAKY_RELU) {
    const size = outSize(op);
    const o = <usize>(n0 * size) << 2;
    leakyReluForward(ptr(op, F_X) + o, ptr(op, F_Y) + o, (n1 - n0) * size, fieldF32(op, F_ALPHA));
  }
  // OP_GRADIENT_SUM has no forward.
}

// A Conv2D's fused upsampling: its record's F_UP_X, F_UP_FH, F_UP_FW words (0: none).
@inline function fusedUpsampling(op: usize): usize {
  return ptr(op, F_UP_X) != 0 ? op + (<usize>F_UP_X << 2) : 0;
}

/**
 * Backward of samples [n0, n1): dy is dL/d(output) (with skipActivation it already is dL/d(pre-activation)).
 * Weight gradients accumulate into this chunk's partials (chunkOffset bytes past chunk 0's).
 */
export function opBackward(op: usize, n0: i32, n1: i32, chunkOffset: usize, scratch: usize, skipActivation: bool, step: u32): void {
  const kind = field(op, F_KIND);
  const s = shapeOf(op);
  const dy = ptr(op, F_DY), dx = ptr(op, F_DX);
  if (kind == OP_CONV2D || kind == OP_DENSE || kind == OP_CONV2D_TRANSPOSE) {
    // A layer without a bias (use_bias: false) has F_DBIAS 0: its kernels then skip the bias gradient.
    const dw = ptr(op, F_DKERNEL) + chunkOffset, db = ptr(op, F_DBIAS) != 0 ? ptr(op, F_DBIAS) + chunkOffset : 0;
    // A ReLU Conv2D with a bias takes ReLU' in its bias-gradient pass; the rest get dL/dz here. A conv
    // that ran the max pool after it stored no output: that pool's backward applied its ReLU'.
    const pooled = kind == OP_CONV2D && ptr(op, F_POOLED) != 0;
    const fusedRelu = kind == OP_CONV2D && !skipActivation && !pooled && field(op, F_ACT) == ACT_RELU && db != 0;
    if (!skipActivation && !fusedRelu && !pooled) {
      const size = kind == OP_CONV2D_TRANSPOSE ? s.H * s.W * s.C : outSize(op);
      const o = <usize>(n0 * size) << 2;
      activationBackward(dy + o, ptr(op, F_Y) + o, (n1 - n0) * size, field(op, F_ACT));
    }
    if (kind == OP_CONV2D) {
      conv2dBackward(s, ptr(op, F_X), ptr(op, F_KERNEL), dy, dx, dw, db, n0, n1, scratch, fusedRelu ? ptr(op, F_Y) : 0, fusedUpsampling(op));
    } else if (kind == OP_CONV2D_TRANSPOSE) conv2dTransposeBackward(s, ptr(op, F_X), ptr(op, F_KERNEL), dy, dx, dw, db, n0, n1, scratch);
    else denseBackward(field(op, F_C), field(op, F_OC), ptr(op, F_X), ptr(op, F_KERNEL), dy, dx, dw, db,
                       n0 * field(op, F_H), n1 * field(op, F_H), scratch);
  } else if (kind == OP_MAXPOOL2D) {
    if (dx != 0) maxPool2dBackward(s, dy, ptr(op, F_AUX), dx, n0, n1, field(op, F_POOL_RELU) != 0 ? ptr(op, F_Y) : 0);
  } else if (kind == OP_AVGPOOL2D) {
    if (dx != 0) avgPool2dBackward(s, dy, dx, n0, n1);
  } else if (kind == OP_UPSAMPLE2D) {
    if (dx != 0) upSample2dBackward(s, dy, dx, n0, n1);
  } else if (kind == OP_ACTIVATION) {
    if (dx != 0) {
      const size = outSize(op);
      const o = <usize>(n0 * size) << 2;
      if (skipActivation) memory.copy(dx + o, dy + o, <usize>((n1 - n0) * size) << 2);
      else activationBackwardInto(dy + o, ptr(op, F_Y) + o, dx + o, (n1 - n0) * size, field(op, F_ACT));
    }
  } else if (isElementwiseMerge(kind)) {
    mergeBackward(kind, ptr(op, F_TABLE), field(op, F_COUNT), dy, outSize(op), n0, n1);
  } else if (kind == OP_CONCATENATE) {
    concatenateBackward(ptr(op, F_TABLE), field(op, F_COUNT), dy, field(op, F_OH) * field(op, F_OW), field(op, F_OC), n0, n1);
  } else if (kind == OP_DROPOUT) {
    // the mask is recomputed from the hash (same seed, step and sample): dx = mask · scale · dy
    if (dx != 0) dropoutApply(dy, dx, outSize(op), n0, n1, <u32>field(op, F_SEED), step, <u32>field(op, F_DROP_THRESHOLD), fieldF32(op, F_DROP_SCALE));
  } else if (kind == OP_GAUSSIAN_NOISE) {
    if (dx != 0) gaussianNoiseBackward(ptr(op, F_X), dy, dx, outSize(op), n0, n1, <u32>field(op, F_SEED), step, fieldF32(op, F_NOISE_STDDEV),
                                       field(op, F_CLIP) != 0, fieldF32(op, F_CLIP_LO), fieldF32(op, F_CLIP_HI));
  } else if (kind == OP_LEAKY_RELU) {
    if (dx != 0) {   // never fused with the loss (only a sigmoid is)
      const size = outSize(op);
      const o = <usize>(n0 * size) << 2;
      leakyReluBackward(dy + o, ptr(op, F_Y) + o, dx + o, (n1 - n0) * size, fieldF32(op, F_ALPHA));
    }
  } else if (kind == OP_GRADIENT_SUM) {
    gradientSumBackward(ptr(op, F_TABLE), field(op, F_COUNT), ptr(op, F_Y), outSize(op), n0, n1);
  }
}

// ---------------------------------------------------------------------------------------------------
// Ops that need the whole batch in training (BatchNormalization). The runner calls, for the chunks a
// thread owns: batchSums (each chunk into its own slot), then a barrier, then batchApply (every thread
// reads all slots in chunk order). Forward (pass 0) and backward (pass 1) have their slots.

/** Does this op need statistics of the whole batch when training? */
export function needsBatch(op: usize): bool {
  return field(op, F_KIND) == OP_BATCH_NORM;
}

// Chunk c's slot of 2C f64 sums for pass 0 (forward) or 1 (backward).
@inline function slotOf(plan: usize, op: usize, pass: i32, c: i32): usize {
  return ptr(op, F_STATS) + (<usize>((pass * field(plan, H_MAX_CHUNKS) + c) * 2 * field(op, F_C)) << 3);
}

@inline function momentsOf(plan: usize, op: usize, N: i32, scratch: usize): void {
  const nChunks = min(N, field(plan, H_MAX_CHUNKS));
  batchNormMoments(slotOf(plan, op, 0, 0), nChunks, field(op, F_C), N * field(op, F_H), fieldF32(op, F_BN_EPSILON), scratch);
}

/** Forward sums of chunk c (samples [n0, n1)). */
export function batchSumsForward(plan: usize, op: usize, c: i32, n0: i32, n1: i32): void {
  batchNormSums(ptr(op, F_X), field(op, F_H), field(op, F_C), n0, n1, slotOf(plan, op, 0, c));
}

/** After the barrier: this thread's chunks normalized with the batch's moments; tid 0 updates the moving ones. */
export function batchApplyForward(plan: usize, op: usize, N: i32, tid: i32, nThreads: i32, scratch: usize, updateMoving: bool): void {
  momentsOf(plan, op, N, scratch);
  const nChunks = min(N, field(plan, H_MAX_CHUNKS));
  for (let c = tid; c < nChunks; c += nThreads) {
    batchNormNormalize(ptr(op, F_X), ptr(op, F_Y), ptr(op, F_KERNEL), ptr(op, F_BIAS), scratch, field(op, F_H), field(op, F_C),
                       chunkStart(N, nChunks, c), chunkStart(N, nChunks, c + 1));
  }
  if (updateMoving && tid == 0) batchNormUpdateMoving(ptr(op, F_MEAN), ptr(op, F_VARIANCE), scratch, fieldF32(op, F_BN_DECAY), field(op, F_C));
}

/** Backward sums of chunk c, also added to its partial dgamma and dbeta (chunkOffset past chunk 0's). */
export function batchSumsBackward(plan: usize, op: usize, N: i32, c: i32, n0: i32, n1: i32, chunkOffset: usize, scratch: usize): void {
  momentsOf(plan, op, N, scratch);
  batchNormBackwardSums(ptr(op, F_X), ptr(op, F_DY), scratch, field(op, F_H), field(op, F_C), n0, n1, slotOf(plan, op, 1, c),
                        ptr(op, F_KERNEL) != 0 ? ptr(op, F_DKERNEL) + chunkOffset : 0, ptr(op, F_BIAS) != 0 ? ptr(op, F_DBIAS) + chunkOffset : 0);
}

/** After the barrier: dx of this thread's chunks from the batch's sums. */
export function batchApplyBackward(plan: usize, op: usize, N: i32, tid: i32, nThreads: i32, scratch: usize): void {
  const dx = ptr(op, F_DX);
  if (dx == 0) return;
  momentsOf(plan, op, N, scratch);
  const nChunks = min(N, field(plan, H_MAX_CHUNKS));
  for (let c = tid; c < nChunks; c += nThreads) {
    batchNormBackwardDx(ptr(op, F_X), ptr(op, F_DY), dx, ptr(op, F_KERNEL), scratch, slotOf(plan, op, 1, 0), nChunks, N * field(op, F_H),
                        field(op, F_H), field(op, F_C), chunkStart(N, nChunks, c), chunkStart(N, nChunks, c + 1));
  }
}
