/**
 * Reference (f64) single optimizer steps with the exact update equations of TensorFlow.js 4.x
 * (read from node_modules/@tensorflow/tfjs-core/dist/optimizers/*_optimizer.js, version 4.22.0).
 *
 * Every step updates `params` and the `state` arrays IN PLACE, elementwise. All TF.js
 * optimizers here are elementwise per variable and share only scalars across variables (Adam's
 * accBeta1/accBeta2), so a whole model's weights may be concatenated into one flat array:
 * one call == one `optimizer.applyGradients(...)` over all variables.
 * State arrays start at zero (Adagrad: at initialAccumulatorValue) as TF.js creates them lazily
 * on the first step with zerosLike / fill.
 *
 * Defaults used by tfjs-layers for string names (tfjs-layers/dist/optimizers.js `getOptimizer`,
 * epsilon() = backend epsilon = 1e-7 for float32 backends such as cpu / wasm):
 *   'sgd'      -> train.sgd(0.01)
 *   'adagrad'  -> train.adagrad(0.01)                         (initialAccumulatorValue 0.1, ctor default)
 *   'adadelta' -> train.adadelta(1, 0.95, 1e-7)               (NB: tf.train.adadelta's own default lr is 0.001)
 *   'adam'     -> train.adam(0.001, 0.9, 0.999, 1e-7)
 *   'rmsprop'  -> train.rmsprop(0.001, 0.9, 0, 1e-7)      (momentum 0, centered false)
 *   ('adamax'  -> train.adamax(0.002, 0.9, 0.999, 1e-7, 0) — not implemented here)
 * Adagrad has no epsilon parameter in TF.js; it always uses ENGINE.backend.epsilon() (1e-7).
 */

export const TFJS_LAYERS_OPTIMIZER_DEFAULTS = {
  sgd: { learningRate: 0.01 },
  adagrad: { learningRate: 0.01, initialAccumulatorValue: 0.1, epsilon: 1e-7 },
  adadelta: { learningRate: 1.0, rho: 0.95, epsilon: 1e-7 },
  adam: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  rmsprop: { learningRate: 0.001, decay: 0.9, momentum: 0, epsilon: 1e-7, centered: false },
} as const;

function checkLen(params: Float64Array, grads: ArrayLike<number>, ...state: Float64Array[]): void {
  const n = params.length;
  if (grads.length !== n) throw new RangeError(`grads length ${grads.length} != params length ${n}`);
  for (const s of state) {
    if (s.length !== n) throw new RangeError(`state length ${s.length} != params length ${n}`);
  }
}

// ---------------------------------------------------------------------------------------------
// sgd_optimizer.js:  value = value + (-lr) * g
export interface SgdConfig {
  learningRate: number;
}

export function sgdStep(params: Float64Array, grads: ArrayLike<number>, cfg: SgdConfig): void {
  checkLen(params, grads);
  for (let i = 0; i < params.length; i++) {
    params[i] = params[i] - cfg.learningRate * grads[i];
  }
}

// ---------------------------------------------------------------------------------------------
// momentum_optimizer.js:
//   acc   = momentum * acc + g
//   value = value - lr * acc                          (useNesterov false)
//   value = value - lr * (g + momentum * acc_new)     (useNesterov true)
export interface MomentumConfig {
  learningRate: number;
  momentum: number;
  useNesterov: boolean;
}
export interface MomentumState {
  accumulation: Float64Array;
}

export function createMomentumState(n: number): MomentumState {
  return { accumulation: new Float64Array(n) };
}

export function momentumStep(
  params: Float64Array,
  grads: ArrayLike<number>,
  state: MomentumState,
  cfg: MomentumConfig,
): void {
  checkLen(params, grads, state.accumulation);
  for (let i = 0; i < params.length; i++) {
    const g = grads[i];
    const acc = cfg.momentum * state.accumulation[i] + g;
    state.accumulation[i] = acc;
    if (cfg.useNesterov) {
      params[i] = params[i] - cfg.learningRate * (g + cfg.momentum * acc);
    } else {
      params[i] = params[i] - cfg.learningRate * acc;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// adagrad_optimizer.js:
//   accum = accum + g^2                   (accum starts at initialAccumulatorValue, default 0.1)
//   value = value - lr * g / sqrt(accum_new + eps)     eps = backend epsilon (1e-7)
export interface AdagradConfig {
  learningRate: number;
  /** not a TF.js option: ENGINE.backend.epsilon(), 1e-7 on float32 backends. */
  epsilon?: number;
}
export interface AdagradState {
  accumulatedGrads: Float64Array;
}

export function createAdagradState(n: number, initialAccumulatorValue = 0.1): AdagradState {
  return { accumulatedGrads: new Float64Array(n).fill(initialAccumulatorValue) };
}

export function adagradStep(
  params: Float64Array,
  grads: ArrayLike<number>,
  state: AdagradState,
  cfg: AdagradConfig,
): void {
  checkLen(params, grads, state.accumulatedGrads);
  const eps = cfg.epsilon ?? 1e-7;
  for (let i = 0; i < params.length; i++) {
    const g = grads[i];
    const acc = state.accumulatedGrads[i] + g * g;
    state.accumulatedGrads[i] = acc;
    params[i] = params[i] - (cfg.learningRate * g) / Math.sqrt(acc + eps);
  }
}

// ---------------------------------------------------------------------------------------------
// adadelta_optimizer.js (copied faithfully, including its quirk):
//   accG_new = rho * accG + (1 - rho) * g^2
//   update   = sqrt(accU + eps) / sqrt(accG_OLD + eps) * g      <-- uses the OLD accG
//   accU_new = rho * accU + (1 - rho) * update^2
//   value    = value - lr * update
// (Keras / TF-Python use accG_new in the denominator.) Consequence: starting from accG = accU = 0,
// accU == accG forever, so update == g exactly and TF.js Adadelta is plain SGD with rate lr
// (lr = 1.0 for tfjs-layers 'adadelta'), as long as the state started from zero.
export interface AdadeltaConfig {
  learningRate: number;
  rho: number;
  epsilon: number;
}
export interface AdadeltaState {
  accumulatedGrads: Float64Array;
  accumulatedUpdates: Float64Array;
}

export function createAdadeltaState(n: number): AdadeltaState {
  return { accumulatedGrads: new Float64Array(n), accumulatedUpdates: new Float64Array(n) };
}

export function adadeltaStep(
  params: Float64Array,
  grads: ArrayLike<number>,
  state: AdadeltaState,
  cfg: AdadeltaConfig,
): void {
  checkLen(params, grads, state.accumulatedGrads, state.accumulatedUpdates);
  const { learningRate, rho, epsilon } = cfg;
  for (let i = 0; i < params.length; i++) {
    const g = grads[i];
    const accG = state.accumulatedGrads[i];
    const accU = state.accumulatedUpdates[i];
    const newAccG = accG * rho + g * g * (1 - rho);
    const update = (Math.sqrt(accU + epsilon) / Math.sqrt(accG + epsilon)) * g;
    const newAccU = accU * rho + update * update * (1 - rho);
    state.accumulatedGrads[i] = newAccG;
    state.accumulatedUpdates[i] = newAccU;
    params[i] = params[i] - learningRate * update;
  }
}

// ---------------------------------------------------------------------------------------------
// adam_optimizer.js:
//   (accBeta1, accBeta2 start at beta1, beta2: they hold beta^t during step t, t = 1, 2, ...)
//   m     = beta1 * m + (1 - beta1) * g
//   v     = beta2 * v + (1 - beta2) * g^2
//   mHat  = m / (1 - accBeta1),  vHat = v / (1 - accBeta2)
//   value = value - lr * mHat / (sqrt(vHat) + eps)           (eps OUTSIDE the sqrt, after correction)
//   after all variables: accBeta1 *= beta1, accBeta2 *= beta2
export interface AdamConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}
export interface AdamState {
  m: Float64Array;
  v: Float64Array;
  accBeta1: number;
  accBeta2: number;
}

export function createAdamState(n: number, cfg: { beta1: number; beta2: number }): AdamState {
  return { m: new Float64Array(n), v: new Float64Array(n), accBeta1: cfg.beta1, accBeta2: cfg.beta2 };
}

export function adamStep(params: Float64Array, grads: ArrayLike<number>, state: AdamState, cfg: AdamConfig): void {
  checkLen(params, grads, state.m, state.v);
  const { learningRate, beta1, beta2, epsilon } = cfg;
  const oneMinusAccBeta1 = 1 - state.accBeta1;
  const oneMinusAccBeta2 = 1 - state.accBeta2;
  for (let i = 0; i < params.length; i++) {
    const g = grads[i];
    const m = state.m[i] * beta1 + g * (1 - beta1);
    const v = state.v[i] * beta2 + g * g * (1 - beta2);
    state.m[i] = m;
    state.v[i] = v;
    const mHat = m / oneMinusAccBeta1;
    const vHat = v / oneMinusAccBeta2;
    params[i] = params[i] - learningRate * (mHat / (Math.sqrt(vHat) + epsilon));
  }
  state.accBeta1 = state.accBeta1 * beta1;
  state.accBeta2 = state.accBeta2 * beta2;
}

// ---------------------------------------------------------------------------------------------
// rmsprop_optimizer.js:
//   ms    = decay * ms + (1 - decay) * g^2
//   not centered:
//     mom = momentum * mom + lr * g / sqrt(ms + eps)
//   centered:
//     mg  = decay * mg + (1 - decay) * g
//     mom = momentum * mom + lr * g / sqrt(ms - (mg^2 + eps))   <-- TF.js SUBTRACTS eps here
//   value = value - mom
// (centered: ms - mg^2 can be < eps, e.g. a zero gradient on the first step gives sqrt(-eps) = NaN;
//  this reference reproduces that NaN like TF.js does.)
export interface RmspropConfig {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
}
export interface RmspropState {
  meanSquares: Float64Array;
  moments: Float64Array;
  /** only used when centered */
  meanGrads: Float64Array;
}

export function createRmspropState(n: number): RmspropState {
  return { meanSquares: new Float64Array(n), moments: new Float64Array(n), meanGrads: new Float64Array(n) };
}

export function rmspropStep(
  params: Float64Array,
  grads: ArrayLike<number>,
  state: RmspropState,
  cfg: RmspropConfig,
): void {
  checkLen(params, grads, state.meanSquares, state.moments, state.meanGrads);
  const { learningRate, decay, momentum, epsilon, centered } = cfg;
  for (let i = 0; i < params.length; i++) {
    const g = grads[i];
    const ms = state.meanSquares[i] * decay + g * g * (1 - decay);
    state.meanSquares[i] = ms;
    let denom: number;
    if (centered) {
      const mg = state.meanGrads[i] * decay + g * (1 - decay);
      state.meanGrads[i] = mg;
      denom = Math.sqrt(ms - (mg * mg + epsilon));
    } else {
      denom = Math.sqrt(ms + epsilon);
    }
    const mom = state.moments[i] * momentum + (g * learningRate) / denom;
    state.moments[i] = mom;
    params[i] = params[i] - mom;
  }
}
