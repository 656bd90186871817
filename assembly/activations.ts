// Elementwise activations, applied in the epilogue of conv2d and dense, and their derivatives.
// Derivatives are taken from the activation's output y (relu: y > 0, sigmoid: y(1-y), tanh: 1-y²; elu:
// y + 1 below 0; selu: y + scale·alpha below 0; softplus: σ(x) = 1 - e^-y), so only the post-activation
// tensor is kept: each of these is monotone, so y says which side of 0 x was on. SIMD paths use the same
// operations in the same order as the scalar twins, so both builds give the same bits. tanh, elu, selu
// and softplus use f64 Math per element (they only appear on narrow layers); sigmoid runs in f32 with
// exp.ts's polynomial (sigmoidF32), 4 lanes at a time on a 1-channel layer (sigmoidBias1).
import { ACT_LINEAR, ACT_RELU, ACT_SIGMOID, ACT_TANH, ACT_ELU, ACT_SOFTPLUS, ACT_SELU } from './plan';
import { EXP_MIN, expF32, expF32x4 } from './exp';

// see: Klambauer et al. 2017, "Self-Normalizing Neural Networks" (TF.js's SELU_SCALE and SELU_SCALEALPHA)
const SELU_SCALE: f64 = 1.0507009873554804934193349852946;
const SELU_SCALE_ALPHA: f64 = 1.7580993408473768599402175208123;

// A switch, not a chain of `if (act == X) return f(z)`: binaryen's -O3 turns such a chain into branches
// that carry a value computed before the test, so with act known only at run time every element paid for
// tanh, expm1, exp and log1p whatever act was (a linear 1-channel layer's bias took 2.4x its convolution).
@inline function activate(z: f32, act: i32): f32 {
  switch (act) {
    case ACT_RELU: return z > 0 ? z : 0;
    case ACT_SIGMOID: return sigmoidF32(z);
    case ACT_TANH: return <f32>Math.tanh(<f64>z);
    case ACT_ELU: return z >= 0 ? z : <f32>Math.expm1(<f64>z);
    case ACT_SELU: return z >= 0 ? <f32>(SELU_SCALE * <f64>z) : <f32>(SELU_SCALE_ALPHA * Math.expm1(<f64>z));
    // log(1 + e^z), which is z itself in f64 above 40 (and e^z would overflow far above)
    case ACT_SOFTPLUS: return z > 40 ? z : <f32>Math.log1p(Math.exp(<f64>z));
    default: return z;
  }
}

// sigmoid(z) = 1 / (1 + e) for z >= 0 and e / (1 + e) below, e = exp(-|z|) in (0, 1] (0 where -|z| <
// EXP_MIN, so sigmoid is exactly 0 below -87.33 and 1 above 17): about 2 ulp from the exact value, and
// never exp of a positive number (no overflow). A NaN z gives itself.
@inline function sigmoidF32(z: f32): f32 {
  if (isNaN(z)) return z;
  const a = Mathf.abs(z);
  const e: f32 = a > -EXP_MIN ? 0 : expF32(-a);
  return (z >= 0 ? <f32>1 : e) / (1 + e);
}

// sigmoidF32x4's constants as loads, for the reason exp.ts gives (the sigmoid 1.05-1.17x as fast in a
// microbenchmark).
@lazy const SIGMOID_K = memory.data<f32>([1, 1, 1, 1, -EXP_MIN, -EXP_MIN, -EXP_MIN, -EXP_MIN], 16);

/** sigmoidF32 on each lane (lanes without a NaN). */
@inline function sigmoidF32x4(z: v128): v128 {
  const a = f32x4.abs(z), one = v128.load(SIGMOID_K);
  const e = v128.andnot(expF32x4(f32x4.neg(a)), f32x4.gt(a, v128.load(SIGMOID_K, 16)));
  return f32x4.div(v128.bitselect(one, e, f32x4.ge(z, f32x4.splat(0))), f32x4.add(one, e));
}

@inline function derivative(dy: f32, y: f32, act: i32): f32 {
  switch (act) {
    case ACT_RELU: return y > 0 ? dy : 0;
    case ACT_SIGMOID: return dy * (y * (1 - y));
    case ACT_TANH: return dy * (1 - y * y);
    case ACT_ELU: return y >= 0 ? dy : dy * (y + 1);
    case ACT_SELU: return y > 0 ? dy * <f32>SELU_SCALE : dy * (y + <f32>SELU_SCALE_ALPHA);
    case ACT_SOFTPLUS: return dy * <f32>(-Math.expm1(-<f64>y));   // σ(x) = 1 - e^-softplus(x), without cancellation
    default: return dy;
  }
}

/** y[m][oc] = act(y[m][oc] + b[oc]) in place for M rows of OC channels. */
export function biasActivationForward(y: usize, M: i32, OC: i32, b: usize, act: i32): void {
  if (ASC_FEATURE_SIMD && (OC & 3) == 0 && (act == ACT_RELU || act == ACT_LINEAR)) {
    const zero = f32x4.splat(0);
    for (let m = 0; m < M; m++) {
      const row = y + (<usize>(m * OC) << 2);
      for (let oc = 0; oc < OC; oc += 4) {
        const p = row + (<usize>oc << 2);
        const z = f32x4.add(v128.load(p), v128.load(b + (<usize>oc << 2)));
        v128.store(p, act == ACT_RELU ? f32x4.pmax(zero, z) : z);
      }
    }
    return;
  }
  biasActivationColumns(y, M, OC, 0, b, act);
}

/** act(y + b) in place for channels oc0..OC of M rows of OC channels (what a fused epilogue left). */
export function biasActivationColumns(y: usize, M: i32, OC: i32, oc0: i32, b: usize, act: i32): void {
  if (ASC_FEATURE_SIMD && act == ACT_SIGMOID && OC == 1) {
    sigmoidBias1(y, M, load<f32>(b));
    return;
  }
  for (let m = 0; m < M; m++) {
    const row = y + (<usize>(m * OC) << 2);
    for (let oc = oc0; oc < OC; oc++) {
      const p = row + (<usize>oc << 2);
      store<f32>(p, activate(load<f32>(p) + load<f32>(b + (<usize>oc << 2)), act));
    }
  }
}

/**
 * y[i] = sigmoid(y[i] + b) for n contiguous values (a 1-channel layer), 4 at a time: each lane does what
 * activate() does (f32 add, then sigmoidF32); a group with a NaN takes activate() itself, for its bits.
 */
function sigmoidBias1(y: usize, n: i32, b: f32): void {
  const vb = f32x4.splat(b);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = y + (<usize>i << 2);
    const z = f32x4.add(v128.load(p), vb);
    if (v128.any_true(f32x4.ne(z, z))) {
      for (let j = 0; j < 4; j++) store<f32>(p + (<usize>j << 2), activate(load<f32>(p + (<usize>j << 2)) + b, ACT_SIGMOID));
      continue;
    }
    v128.store(p, sigmoidF32x4(z));
  }
  for (; i < n; i++) {
    const p = y + (<usize>i << 2);
    store<f32>(p, activate(load<f32>(p) + b, ACT_SIGMOID));
  }
}

/** dy = dy * act'(y) in place over n elements: turns dL/dy into dL/dz. */
export function activationBackward(dy: usize, y: usize, n: i32, act: i32): void {
  if (act == ACT_LINEAR) return;
  let i = 0;
  if (ASC_FEATURE_SIMD && act == ACT_RELU) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dy + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dy + o, derivative(load<f32>(dy + o), load<f32>(y + o), act));
  }
}

// The Activation layer: y = act(x) on its own, and dx = dy * act'(y) into a separate buffer.

/** y[0..n) = act(x[0..n)). */
export function activationForward(x: usize, y: usize, n: i32, act: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD && (act == ACT_RELU || act == ACT_LINEAR)) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const z = v128.load(x + o);
      v128.store(y + o, act == ACT_RELU ? f32x4.pmax(zero, z) : z);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, activate(load<f32>(x + o), act));
  }
}

/** dx[0..n) = dy * act'(y). */
export function activationBackwardInto(dy: usize, y: usize, dx: usize, n: i32, act: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD && (act == ACT_RELU || act == ACT_LINEAR)) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(dy + o);
      v128.store(dx + o, act == ACT_RELU ? v128.and(g, f32x4.gt(v128.load(y + o), zero)) : g);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, derivative(load<f32>(dy + o), load<f32>(y + o), act));
  }
}

// LeakyReLU (its own op: the slope is a parameter): y = x < 0 ? alpha·x : x, dx = dy · (y > 0 ? 1 : alpha)
// (TF's LeakyRelu and its gradient, which tests x > 0; with alpha >= 0, y > 0 exactly when x > 0).

/** y[0..n) = leakyRelu(x[0..n)). */
export function leakyReluForward(x: usize, y: usize, n: i32, alpha: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0), va = f32x4.splat(alpha);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      v128.store(y + o, v128.bitselect(f32x4.mul(v, va), v, f32x4.lt(v, zero)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v < 0 ? v * alpha : v);
  }
}

/** dx[0..n) = dy · (y > 0 ? 1 : alpha). */
export function leakyReluBackward(dy: usize, y: usize, dx: usize, n: i32, alpha: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0), va = f32x4.splat(alpha);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(dy + o);
      v128.store(dx + o, v128.bitselect(g, f32x4.mul(g, va), f32x4.gt(v128.load(y + o), zero)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(dy + o);
    store<f32>(dx + o, load<f32>(y + o) > 0 ? g : g * alpha);
  }
}
