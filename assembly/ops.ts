// The op registry of the runner: how each op kind reads its record (plan-layout.ts F_* fields) and which
// kernels run it. Adding a layer type adds its kernels in a file of their own and one case to each
// function here.
import {
  field, ptr, F_KIND, F_ACT, F_H, F_C, F_OH, F_OW, F_OC, F_X, F_Y, F_DX, F_DY, F_KERNEL, F_BIAS, F_DKERNEL,
  F_DBIAS, F_AUX, F_TABLE, F_COUNT,
  OP_CONV2D, OP_MAXPOOL2D, OP_UPSAMPLE2D, OP_DENSE, OP_ACTIVATION, OP_ADD, OP_SUBTRACT, OP_MULTIPLY, OP_AVERAGE,
  OP_MAXIMUM, OP_CONCATENATE, OP_GRADIENT_SUM, OP_CONV2D_TRANSPOSE,
} from './plan';
import { ConvShape, conv2dForward, conv2dBackward, conv2dScratchBytes } from './conv2d';
import { conv2dTransposeForward, conv2dTransposeBackward } from './conv2d-transpose';
import { maxPool2dForward, maxPool2dBackward } from './pool2d';
import { upSample2dForward, upSample2dBackward } from './upsample2d';
import { denseForward, denseBackward, denseScratchBytes } from './dense';
import { activationBackward, activationForward, activationBackwardInto } from './activations';
import { mergeForward, mergeBackward, concatenateForward, concatenateBackward, gradientSumBackward } from './merge';

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
  return 0;
}

/** Forward of samples [n0, n1). keepArgmax: max-pool records its winners only when backward will follow. */
export function opForward(op: usize, n0: i32, n1: i32, scratch: usize, keepArgmax: bool): void {
  const kind = field(op, F_KIND);
  const s = shapeOf(op);
  if (kind == OP_CONV2D) {
    conv2dForward(s, ptr(op, F_X), ptr(op, F_KERNEL), ptr(op, F_BIAS), field(op, F_ACT), ptr(op, F_Y), n0, n1, scratch);
  } else if (kind == OP_CONV2D_TRANSPOSE) {
    conv2dTransposeForward(s, ptr(op, F_X), ptr(op, F_KERNEL), ptr(op, F_BIAS), field(op, F_ACT), ptr(op, F_Y), n0, n1, scratch);
  } else if (kind == OP_MAXPOOL2D) {
    maxPool2dForward(s, ptr(op, F_X), ptr(op, F_Y), keepArgmax ? ptr(op, F_AUX) : 0, n0, n1);
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
  }
  // OP_GRADIENT_SUM has no forward.
}

/**
 * Backward of samples [n0, n1): dy is dL/d(output) (with skipActivation it already is dL/d(pre-activation)).
 * Weight gradients accumulate into this chunk's partials (chunkOffset bytes past chunk 0's).
 */
export function opBackward(op: usize, n0: i32, n1: i32, chunkOffset: usize, scratch: usize, skipActivation: bool): void {
  const kind = field(op, F_KIND);
  const s = shapeOf(op);
  const dy = ptr(op, F_DY), dx = ptr(op, F_DX);
  if (kind == OP_CONV2D || kind == OP_DENSE || kind == OP_CONV2D_TRANSPOSE) {
    if (!skipActivation) {
      const size = kind == OP_CONV2D_TRANSPOSE ? s.H * s.W * s.C : outSize(op);
      const o = <usize>(n0 * size) << 2;
      activationBackward(dy + o, ptr(op, F_Y) + o, (n1 - n0) * size, field(op, F_ACT));
    }
    // A layer without a bias (use_bias: false) has F_DBIAS 0: its kernels then skip the bias gradient.
    const dw = ptr(op, F_DKERNEL) + chunkOffset, db = ptr(op, F_DBIAS) != 0 ? ptr(op, F_DBIAS) + chunkOffset : 0;
    if (kind == OP_CONV2D) conv2dBackward(s, ptr(op, F_X), ptr(op, F_KERNEL), dy, dx, dw, db, n0, n1, scratch);
    else if (kind == OP_CONV2D_TRANSPOSE) conv2dTransposeBackward(s, ptr(op, F_X), ptr(op, F_KERNEL), dy, dx, dw, db, n0, n1, scratch);
    else denseBackward(field(op, F_C), field(op, F_OC), ptr(op, F_X), ptr(op, F_KERNEL), dy, dx, dw, db,
                       n0 * field(op, F_H), n1 * field(op, F_H), scratch);
  } else if (kind == OP_MAXPOOL2D) {
    if (dx != 0) maxPool2dBackward(s, dy, ptr(op, F_AUX), dx, n0, n1);
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
  } else if (kind == OP_GRADIENT_SUM) {
    gradientSumBackward(ptr(op, F_TABLE), field(op, F_COUNT), ptr(op, F_Y), outSize(op), n0, n1);
  }
}
