// Dense: y = act(x · w + b)
//   x is (N, IN), w is (IN, OUT) (Keras layout), b is (OUT), y is (N, OUT)
// Threads: each call owns the rows [n0, n1) and its own chunk's gradient partials.
import { gemm } from './gemm';
import { biasActivationForward, activationForward } from './activations';
import { ACT_LINEAR } from './plan';
import { addFloats } from './copy';

/** Scratch bytes one thread needs: the transposed kernel for the input gradient. */
export function denseScratchBytes(IN: i32, OUT: i32): i32 {
  return (IN * OUT) << 2;
}

/** y[n0..n1) = act(x · w + b) (b == 0: no bias). */
export function denseForward(IN: i32, OUT: i32, x: usize, w: usize, b: usize, act: i32, y: usize, n0: i32, n1: i32): void {
  const yb = y + (<usize>(n0 * OUT) << 2);
  gemm(n1 - n0, OUT, IN, x + (<usize>(n0 * IN) << 2), IN, 1, w, OUT, yb, OUT, false);
  if (b != 0) biasActivationForward(yb, n1 - n0, OUT, b, act);
  else if (act != ACT_LINEAR) activationForward(yb, yb, (n1 - n0) * OUT, act);   // no bias (use_bias: false)
}

/**
 * Backward for rows n0..n1 given dz = dL/d(pre-activation):
 *   dW += x^T · dz,  db += Σ dz  (this chunk's partials),  dx = dz · w^T (skipped when dx == 0)
 */
export function denseBackward(IN: i32, OUT: i32, x: usize, w: usize, dz: usize, dx: usize, dw: usize, db: usize,
                              n0: i32, n1: i32, scratch: usize): void {
  const rows = n1 - n0;
  const dzb = dz + (<usize>(n0 * OUT) << 2);
  if (db != 0) for (let r = 0; r < rows; r++) addFloats(db, dzb + (<usize>(r * OUT) << 2), OUT);
  gemm(IN, OUT, rows, x + (<usize>(n0 * IN) << 2), 1, IN, dzb, OUT, dw, OUT, true);
  if (dx == 0) return;
  const wT = scratch;   // (OUT, IN)
  for (let i = 0; i < IN; i++) {
    for (let o = 0; o < OUT; o++) store<f32>(wT + (<usize>(o * IN + i) << 2), load<f32>(w + (<usize>(i * OUT + o) << 2)));
  }
  gemm(rows, IN, OUT, dzb, OUT, 1, wT, IN, dx + (<usize>(n0 * IN) << 2), IN, false);
}
