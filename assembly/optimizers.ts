// Optimizer updates over the flat parameter block, one slice [i0, i1) per thread (elementwise, so any
// slicing gives the same bits). The equations and their operation order are TensorFlow.js 4.x's
// (tfjs-core/src/optimizers/*_optimizer.ts), so that f32 results can agree with TF.js bit for bit;
// adadelta also has the Keras/TF order (the paper's), see below.
//   p: parameters, g: gradients, s1/s2/s3: optimizer slots, each NUM_PARAMS floats.

/** SGD with optional (Nesterov) momentum: acc = m*acc + g; p += -lr * (nesterov ? g + acc*m : acc). */
export function sgdUpdate(p: usize, g: usize, acc: usize, i0: i32, i1: i32, lr: f32, m: f32, nesterov: bool): void {
  const c = -lr;
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    if (m == 0) { store<f32>(p + o, c * gi + load<f32>(p + o)); continue; }
    const a = m * load<f32>(acc + o) + gi;
    store<f32>(acc + o, a);
    store<f32>(p + o, c * (nesterov ? gi + a * m : a) + load<f32>(p + o));
  }
}

/**
 * Adadelta (Zeiler 2012). accG = rho*accG + (1-rho)*g², upd = sqrt(accU+eps)/sqrt(accG+eps) * g,
 * accU = rho*accU + (1-rho)*upd², p -= lr*upd. Keras and TF use the new accG in upd; TF.js 4.x uses the
 * accG from before this step (tfjsOrder), which makes its first step a plain gradient step of size lr.
 */
export function adadeltaUpdate(p: usize, g: usize, accG: usize, accU: usize, i0: i32, i1: i32,
                               lr: f32, rho: f32, oneMinusRho: f32, eps: f32, tfjsOrder: bool): void {
  const c = -lr;
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const oldG = load<f32>(accG + o);
    const newG = oldG * rho + (gi * gi) * oneMinusRho;
    const u = load<f32>(accU + o);
    const upd = (Mathf.sqrt(u + eps) / Mathf.sqrt((tfjsOrder ? oldG : newG) + eps)) * gi;
    store<f32>(accG + o, newG);
    store<f32>(accU + o, u * rho + (upd * upd) * oneMinusRho);
    store<f32>(p + o, upd * c + load<f32>(p + o));
  }
}

/** Adam with TF.js's bias correction: p -= lr * (m/(1-β1^t)) / (sqrt(v/(1-β2^t)) + eps). */
export function adamUpdate(p: usize, g: usize, m: usize, v: usize, i0: i32, i1: i32, lr: f32,
                           beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32,
                           oneMinusAcc1: f32, oneMinusAcc2: f32): void {
  const c = -lr;
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = load<f32>(m + o) * beta1 + gi * oneMinusBeta1;
    const vi = load<f32>(v + o) * beta2 + (gi * gi) * oneMinusBeta2;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, ((mi / oneMinusAcc1) / (Mathf.sqrt(vi / oneMinusAcc2) + eps)) * c + load<f32>(p + o));
  }
}

/** Adagrad: acc += g²; p -= lr * g / sqrt(acc + eps) (acc starts at initialAccumulatorValue). */
export function adagradUpdate(p: usize, g: usize, acc: usize, i0: i32, i1: i32, lr: f32, eps: f32): void {
  const c = -lr;
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const a = load<f32>(acc + o) + gi * gi;
    store<f32>(acc + o, a);
    store<f32>(p + o, (gi / Mathf.sqrt(a + eps)) * c + load<f32>(p + o));
  }
}

/**
 * RMSprop: ms = decay*ms + (1-decay)*g²; mom = momentum*mom + lr*g / sqrt(ms + eps); p -= mom.
 * Centered also tracks mg = decay*mg + (1-decay)*g and divides by sqrt(ms - mg² + eps), as TF and Keras
 * do. (TF.js 4.x computes sqrt(ms - (mg² + eps)), which is NaN whenever |g| is tiny on the first step.)
 */
export function rmspropUpdate(p: usize, g: usize, ms: usize, mom: usize, mg: usize, i0: i32, i1: i32, lr: f32,
                              decay: f32, oneMinusDecay: f32, momentum: f32, eps: f32, centered: bool): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const s = load<f32>(ms + o) * decay + (gi * gi) * oneMinusDecay;
    store<f32>(ms + o, s);
    let denom: f32;
    if (centered) {
      const a = load<f32>(mg + o) * decay + gi * oneMinusDecay;
      store<f32>(mg + o, a);
      denom = Mathf.sqrt((s - a * a) + eps);
    } else {
      denom = Mathf.sqrt(s + eps);
    }
    const mo = load<f32>(mom + o) * momentum + (gi * lr) / denom;
    store<f32>(mom + o, mo);
    store<f32>(p + o, load<f32>(p + o) - mo);
  }
}
