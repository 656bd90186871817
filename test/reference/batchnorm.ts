/**
 * Reference (f64) BatchNormalization over the last axis of x (rows of C channels; rows = N * H * W):
 *   training   mean_c, var_c (biased) over all rows; xhat = (x - mean) / sqrt(var + eps); y = gamma xhat + beta
 *   inference  y = gamma (x - movingMean) / sqrt(movingVar + eps) + beta
 *   backward   dbeta = Σ dy, dgamma = Σ dy xhat,
 *              dx = gamma / sqrt(var + eps) (dy - mean(dy) - xhat mean(dy xhat))
 *   moving     moving - (moving - batch) (1 - momentum)
 */
export interface BatchNormRef {
  y: Float64Array; mean: Float64Array; variance: Float64Array;
  backward(dy: Float64Array): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array };
}

export function batchNormTraining(x: ArrayLike<number>, C: number, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps: number): BatchNormRef {
  const rows = x.length / C;
  const mean = new Float64Array(C), variance = new Float64Array(C);
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) mean[c] += x[r * C + c] / rows;
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) variance[c] += (x[r * C + c] - mean[c]) ** 2 / rows;
  const inv = variance.map((v) => 1 / Math.sqrt(v + eps));
  const xhat = Float64Array.from(x, (v, i) => (v - mean[i % C]) * inv[i % C]);
  const y = xhat.map((v, i) => gamma[i % C] * v + beta[i % C]);
  return {
    y, mean, variance,
    backward(dy) {
      const dbeta = new Float64Array(C), dgamma = new Float64Array(C);
      for (let i = 0; i < dy.length; i++) { dbeta[i % C] += dy[i]; dgamma[i % C] += dy[i] * xhat[i]; }
      const dx = dy.map((g, i) => { const c = i % C; return gamma[c] * inv[c] * (g - dbeta[c] / rows - xhat[i] * dgamma[c] / rows); });
      return { dx, dgamma, dbeta };
    },
  };
}

export function batchNormInference(x: ArrayLike<number>, C: number, gamma: ArrayLike<number>, beta: ArrayLike<number>,
                                   movingMean: ArrayLike<number>, movingVar: ArrayLike<number>, eps: number): Float64Array {
  return Float64Array.from(x, (v, i) => { const c = i % C; return gamma[c] * (v - movingMean[c]) / Math.sqrt(movingVar[c] + eps) + beta[c]; });
}
