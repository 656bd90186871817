// Losses, mean over every element of the batch (Keras: mean over the last axis, then over the batch,
// which is the same thing for equal-sized samples). Each call handles elements [i0, i1), writes
// dL/d(output) (or dL/dz for the fused case) and returns its partial sum of per-element losses in f64.
//
// Binary cross-entropy follows Keras/TF.js: p is clipped to [EPS, 1 - EPS] and the gradient is zero where
// the clip is active (clip_by_value passes gradients only inside its range).
// Fused with a sigmoid output (TF.js evaluates it through logits, see tfjs-layers binaryCrossentropy):
// dL/dz = (p - t) / count inside the clip range: no division by p(1 - p), so no blow-up near 0 or 1.
import { LOSS_BCE, LOSS_MSE, LOSS_MAE } from './plan';
import { logF32, logF32x4, log1mF32, log1mF32x4 } from './log';

const EPS: f32 = 1e-7;
const ONE_MINUS_EPS: f32 = 1 - EPS;

/** Partial loss sum over elements [i0, i1) of out vs target; writes the gradient (scaled by 1/count) to dout. */
export function lossForwardBackward(kind: i32, fusedSigmoid: bool, out: usize, target: usize, dout: usize,
                                    i0: i32, i1: i32, count: i32): f64 {
  const scale: f32 = <f32>(1.0 / <f64>count);
  if (kind == LOSS_BCE) return bceForwardBackward(fusedSigmoid, out, target, dout, i0, i1, scale);
  let sum: f64 = 0;
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(out + o);
    const t = load<f32>(target + o);
    let g: f32 = 0;
    if (kind == LOSS_MSE) {
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

// Binary cross-entropy, element i: pc = clip(p, EPS, 1 - EPS) (a NaN p stays NaN: both comparisons fail),
// loss -(t·log(pc) + (1 - t)·log(1 - pc)) in f32 (log.ts; log(1 - pc) without losing a small pc's bits), summed in f64 in element order;
// the gradient is 0 where the clip is active. The 4-lane loop does the scalar tail's operations.
function bceForwardBackward(fusedSigmoid: bool, out: usize, target: usize, dout: usize, i0: i32, i1: i32, scale: f32): f64 {
  let sum: f64 = 0;
  let i = i0;
  if (ASC_FEATURE_SIMD) {
    const lo = f32x4.splat(EPS), hi = f32x4.splat(ONE_MINUS_EPS), one = f32x4.splat(1), vscale = f32x4.splat(scale);
    for (; i + 4 <= i1; i += 4) {
      const o = <usize>i << 2;
      const p = v128.load(out + o), t = v128.load(target + o);
      const inside = v128.and(f32x4.ge(p, lo), f32x4.le(p, hi));
      const pc = f32x4.pmin(f32x4.pmax(p, lo), hi);              // p < lo ? lo : p, then hi < · ? hi : ·
      // A NaN p stays NaN through log1m (1 - NaN is NaN, never 1), and 0 · NaN is NaN where t is 1.
      const l = f32x4.neg(f32x4.add(f32x4.mul(t, logF32x4(pc)), f32x4.mul(f32x4.sub(one, t), log1mF32x4(pc))));
      sum += <f64>f32x4.extract_lane(l, 0);
      sum += <f64>f32x4.extract_lane(l, 1);
      sum += <f64>f32x4.extract_lane(l, 2);
      sum += <f64>f32x4.extract_lane(l, 3);
      const d = f32x4.sub(p, t);
      const g = fusedSigmoid ? f32x4.mul(d, vscale) : f32x4.mul(f32x4.div(d, f32x4.mul(p, f32x4.sub(one, p))), vscale);
      v128.store(dout + o, v128.and(g, inside));
    }
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(out + o), t = load<f32>(target + o);
    const inside = p >= EPS && p <= ONE_MINUS_EPS;
    let pc = p < EPS ? EPS : p;
    pc = ONE_MINUS_EPS < pc ? ONE_MINUS_EPS : pc;
    sum += <f64>(-(t * logF32(pc) + (1 - t) * log1mF32(pc)));
    const d = p - t;
    const g: f32 = fusedSigmoid ? d * scale : (d / (p * (1 - p))) * scale;
    store<f32>(dout + o, inside ? g : 0);
  }
  return sum;
}
