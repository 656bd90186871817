// BatchNormalization on the channel axis (Keras semantics, TF.js's arithmetic).
//
//   x, y, dy, dx  are (N, M, C): M = H*W rows of C channels per sample
//   training:  y = (x - mean) * invstd * gamma + beta, mean and var over the whole batch (N*M rows, biased
//              var), invstd = 1 / sqrt(var + eps); moving = moving - (moving - batch) * (1 - momentum)
//   inference: y = (x - movingMean) / sqrt(movingVar + eps) * gamma + beta
//   backward:  dgamma = Σ dy*xhat, dbeta = Σ dy,
//              dx = gamma * invstd * (dy - Σdy / count - xhat * Σ(dy*xhat) / count)
//
// Batch statistics need every chunk of the batch: each chunk writes its own f64 sums into its slot of the
// op's statistics block, the runner puts a barrier after them (network.ts), and then every thread adds
// the slots in chunk order itself. Same order for any thread count: the same bits. Sums are f64, so the
// one-pass variance E[x²] - mean² loses nothing that f32 outputs could show.
// A null gamma (scale: false) reads as 1, a null beta (center: false) as 0.

@inline function f32At(p: usize, i: i32): f32 { return load<f32>(p + (<usize>i << 2)); }
@inline function f64At(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
@inline function gammaAt(gamma: usize, c: i32): f32 { return gamma != 0 ? f32At(gamma, c) : 1; }
@inline function betaAt(beta: usize, c: i32): f32 { return beta != 0 ? f32At(beta, c) : 0; }

/** sums[0..C) = Σ x, sums[C..2C) = Σ x² over the rows of samples [n0, n1), in f64. */
export function batchNormSums(x: usize, M: i32, C: i32, n0: i32, n1: i32, sums: usize): void {
  memory.fill(sums, 0, <usize>(2 * C) << 3);
  for (let r = n0 * M; r < n1 * M; r++) {
    for (let c = 0; c < C; c++) {
      const v = <f64>f32At(x, r * C + c);
      const p1 = sums + (<usize>c << 3), p2 = sums + (<usize>(C + c) << 3);
      store<f64>(p1, load<f64>(p1) + v);
      store<f64>(p2, load<f64>(p2) + v * v);
    }
  }
}

/**
 * The batch's mean, var and invstd per channel (f32, into out: [mean | var | invstd], 3C floats) from
 * the nChunks slots of sums at `slots` (each 2C f64), added in chunk order; count = N * M rows.
 */
export function batchNormMoments(slots: usize, nChunks: i32, C: i32, count: i32, eps: f32, out: usize): void {
  for (let c = 0; c < C; c++) {
    let s1: f64 = 0, s2: f64 = 0;
    for (let k = 0; k < nChunks; k++) {
      const slot = slots + (<usize>(k * 2 * C) << 3);
      s1 += f64At(slot, c);
      s2 += f64At(slot, C + c);
    }
    const mean = s1 / <f64>count;
    const variance = max(s2 / <f64>count - mean * mean, 0);
    const v32 = <f32>variance;
    store<f32>(out + (<usize>c << 2), <f32>mean);
    store<f32>(out + (<usize>(C + c) << 2), v32);
    store<f32>(out + (<usize>(2 * C + c) << 2), <f32>(1.0 / Math.sqrt(<f64>(v32 + eps))));
  }
}

/** y = (x - mean) * invstd * gamma + beta for samples [n0, n1) (moments: [mean | var | invstd]). */
export function batchNormNormalize(x: usize, y: usize, gamma: usize, beta: usize, moments: usize, M: i32, C: i32, n0: i32, n1: i32): void {
  const mean = moments, invstd = moments + (<usize>(2 * C) << 2);
  for (let r = n0 * M; r < n1 * M; r++) {
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      const xhat = (f32At(x, i) - f32At(mean, c)) * f32At(invstd, c);
      store<f32>(y + (<usize>i << 2), xhat * gammaAt(gamma, c) + betaAt(beta, c));
    }
  }
}

/** Inference: y = (x - movingMean) * (1 / sqrt(movingVar + eps)) * gamma + beta for samples [n0, n1). */
export function batchNormInference(x: usize, y: usize, gamma: usize, beta: usize, movingMean: usize, movingVar: usize,
                                   eps: f32, M: i32, C: i32, n0: i32, n1: i32): void {
  for (let r = n0 * M; r < n1 * M; r++) {
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      const invstd = <f32>(1.0 / Math.sqrt(<f64>(f32At(movingVar, c) + eps)));
      const xhat = (f32At(x, i) - f32At(movingMean, c)) * invstd;
      store<f32>(y + (<usize>i << 2), xhat * gammaAt(gamma, c) + betaAt(beta, c));
    }
  }
}

/** moving = moving - (moving - batch) * decay, in f32 as TF.js (decay = 1 - momentum). */
export function batchNormUpdateMoving(movingMean: usize, movingVar: usize, moments: usize, decay: f32, C: i32): void {
  for (let c = 0; c < C; c++) {
    const pm = movingMean + (<usize>c << 2), pv = movingVar + (<usize>c << 2);
    store<f32>(pm, load<f32>(pm) - (load<f32>(pm) - f32At(moments, c)) * decay);
    store<f32>(pv, load<f32>(pv) - (load<f32>(pv) - f32At(moments, C + c)) * decay);
  }
}

/**
 * This chunk's backward sums: sums[0..C) = Σ dy, sums[C..2C) = Σ dy*xhat (f64), and the same added to
 * its partial weight gradients dbeta, dgamma (either may be null).
 */
export function batchNormBackwardSums(x: usize, dy: usize, moments: usize, M: i32, C: i32, n0: i32, n1: i32,
                                      sums: usize, dgamma: usize, dbeta: usize): void {
  const mean = moments, invstd = moments + (<usize>(2 * C) << 2);
  memory.fill(sums, 0, <usize>(2 * C) << 3);
  for (let r = n0 * M; r < n1 * M; r++) {
    for (let c = 0; c < C; c++) {
      const i = r * C + c;
      const g = <f64>f32At(dy, i);
      const xhat = (f32At(x, i) - f32At(mean, c)) * f32At(invstd, c);
      const p1 = sums + (<usize>c << 3), p2 = sums + (<usize>(C + c) << 3);
      store<f64>(p1, load<f64>(p1) + g);
      store<f64>(p2, load<f64>(p2) + g * <f64>xhat);
    }
  }
  for (let c = 0; c < C; c++) {
    if (dbeta != 0) store<f32>(dbeta + (<usize>c << 2), f32At(dbeta, c) + <f32>f64At(sums, c));
    if (dgamma != 0) store<f32>(dgamma + (<usize>c << 2), f32At(dgamma, c) + <f32>f64At(sums, C + c));
  }
}

/**
 * dx for samples [n0, n1), given the batch's Σdy and Σdy*xhat: the nChunks slots at `slots`, added in
 * chunk order (count = N * M rows).
 */
export function batchNormBackwardDx(x: usize, dy: usize, dx: usize, gamma: usize, moments: usize, slots: usize, nChunks: i32,
                                    count: i32, M: i32, C: i32, n0: i32, n1: i32): void {
  const mean = moments, invstd = moments + (<usize>(2 * C) << 2);
  for (let c = 0; c < C; c++) {
    let sdy: f64 = 0, sdyx: f64 = 0;
    for (let k = 0; k < nChunks; k++) {
      const slot = slots + (<usize>(k * 2 * C) << 3);
      sdy += f64At(slot, c);
      sdyx += f64At(slot, C + c);
    }
    const meanDy = <f32>(sdy / <f64>count), meanDyXhat = <f32>(sdyx / <f64>count);
    const scale = gammaAt(gamma, c) * f32At(invstd, c);
    for (let r = n0 * M; r < n1 * M; r++) {
      const i = r * C + c;
      const xhat = (f32At(x, i) - f32At(mean, c)) * f32At(invstd, c);
      store<f32>(dx + (<usize>i << 2), scale * (f32At(dy, i) - meanDy - xhat * meanDyXhat));
    }
  }
}
