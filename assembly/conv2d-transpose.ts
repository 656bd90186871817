// Conv2DTranspose (Keras semantics) as the adjoint of a Conv2D, on conv2d.ts's kernels only.
//
//   x   is (N, IH, IW, IC)     the layer's input  = the adjoint conv's output grid (s.OH, s.OW, s.OC)
//   w   is (KH, KW, F, IC)     Keras's Conv2DTranspose kernel = the adjoint conv's HWIO kernel (C = F, OC = IC)
//   y   is (N, OH, OW, F)      the layer's output = the adjoint conv's input grid (s.H, s.W, s.C)
//
// The op record holds the geometry of that Conv2D (from y to x, TF's padding for an input of y's size),
// so the three products are conv2d's, roles swapped:
//   y  = act(conv2d input gradient of x + b)     (stride phases: conv2dInputGrad)
//   dW = conv2d weight gradient with the image dz (dL/d pre-activation of y) and the "output gradient" x
//   dx = conv2d forward of dz, no bias
// Threads: as conv2d (a call owns images [n0, n1) and its chunk's partials).
import { ConvShape, conv2dForward, conv2dInputGrad, conv2dWeightGrad } from './conv2d';
import { biasActivationForward, activationForward } from './activations';
import { addFloats } from './copy';
import { ACT_LINEAR } from './plan';

/** y[n] = act(adjoint-conv(x[n], w) + b) for images n0..n1 (b == 0: no bias). */
export function conv2dTransposeForward(s: ConvShape, x: usize, w: usize, b: usize, act: i32, y: usize,
                                       n0: i32, n1: i32, scratch: usize): void {
  conv2dInputGrad(s, w, x, y, n0, n1, scratch);
  const size = s.H * s.W * s.C;
  const yb = y + (<usize>(n0 * size) << 2);
  if (b != 0) biasActivationForward(yb, (n1 - n0) * s.H * s.W, s.C, b, act);
  else if (act != ACT_LINEAR) activationForward(yb, yb, (n1 - n0) * size, act);
}

/** Backward for images n0..n1 from dz = dL/d(pre-activation of y): dW, db (unless 0) and dx (unless 0). */
export function conv2dTransposeBackward(s: ConvShape, x: usize, w: usize, dz: usize, dx: usize, dw: usize, db: usize,
                                        n0: i32, n1: i32, scratch: usize): void {
  const pixels = s.H * s.W;
  if (db != 0) {
    for (let n = n0; n < n1; n++) {
      const dzn = dz + (<usize>(n * pixels * s.C) << 2);
      for (let m = 0; m < pixels; m++) addFloats(db, dzn + (<usize>(m * s.C) << 2), s.C);
    }
  }
  conv2dWeightGrad(s, dz, x, dw, 0, n0, n1, scratch, 0);
  if (dx != 0) conv2dForward(s, dz, w, 0, ACT_LINEAR, dx, n0, n1, scratch, 0, 0);
}
