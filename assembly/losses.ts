// Losses, mean over every element of the batch (Keras: mean over the last axis, then over the batch,
// which is the same thing for equal-sized samples). Each call handles elements [i0, i1), writes
// dL/d(output) (or dL/dz for the fused case) and returns its partial sum of per-element losses in f64.
//
// Binary cross-entropy follows Keras/TF.js: p is clipped to [EPS, 1 - EPS] and the gradient is zero where
// the clip is active (clip_by_value passes gradients only inside its range).
// Fused with a sigmoid output (TF.js evaluates it through logits, see tfjs-layers binaryCrossentropy):
// dL/dz = (p - t) / count inside the clip range: no division by p(1 - p), so no blow-up near 0 or 1.
import { LOSS_BCE, LOSS_MSE, LOSS_MAE } from './plan';

const EPS: f32 = 1e-7;
const ONE_MINUS_EPS: f32 = 1 - EPS;

/** Partial loss sum over elements [i0, i1) of out vs target; writes the gradient (scaled by 1/count) to dout. */
export function lossForwardBackward(kind: i32, fusedSigmoid: bool, out: usize, target: usize, dout: usize,
                                    i0: i32, i1: i32, count: i32): f64 {
  const scale: f32 = <f32>(1.0 / <f64>count);
  let sum: f64 = 0;
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(out + o);
    const t = load<f32>(target + o);
    let g: f32 = 0;
    if (kind == LOSS_BCE) {
      const inside = p >= EPS && p <= ONE_MINUS_EPS;
      // A NaN p fails both comparisons and stays NaN, so the loss reports it instead of the clip hiding it.
      const pc: f32 = inside ? p : (p < EPS ? EPS : (p > ONE_MINUS_EPS ? ONE_MINUS_EPS : p));
      // A target of exactly 0 or 1 (most pixels of digits) needs one logarithm: 0·log(·) is -0 there
      // (the log is finite and negative after the clip), and x + -0 = x, so the sum keeps its bits.
      const lp = <f64>t == 0.0 ? 0.0 : Math.log(<f64>pc), lq = <f64>t == 1.0 ? 0.0 : Math.log(1.0 - <f64>pc);
      sum += -(<f64>t * lp + (1.0 - <f64>t) * lq);
      if (inside) g = fusedSigmoid ? (p - t) * scale : ((p - t) / (p * (1 - p))) * scale;
    } else if (kind == LOSS_MSE) {
      const d = p - t;
      sum += <f64>d * <f64>d;
      g = (2 * d) * scale;
    } else if (kind == LOSS_MAE) {
      const d = p - t;
      sum += Math.abs(<f64>d);
      g = d > 0 ? scale : (d < 0 ? -scale : 0);
    }
    store<f32>(dout + o, g);
  }
  return sum;
}
