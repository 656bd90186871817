/**
 * Reference (f64) merge layers, Keras semantics, over flat per-sample tensors of equal size:
 *   add        y = Σ x_k                dx_k = dy
 *   subtract   y = x_0 - x_1            dx_0 = dy, dx_1 = -dy
 *   multiply   y = Π x_k                dx_k = dy · Π_{j≠k} x_j
 *   average    y = Σ x_k / n            dx_k = dy / n
 *   maximum    y = max_k x_k            dx_k = dy where k is the first index holding the maximum, else 0
 *   concatenate (channels): y[r] = [x_0[r], x_1[r], ...] for rows r; dx_k = the matching slice of dy
 */
export type MergeMode = 'add' | 'subtract' | 'multiply' | 'average' | 'maximum';

export function mergeForward(mode: MergeMode, xs: Float64Array[]): Float64Array {
  const n = xs[0].length;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = xs.map((x) => x[i]);
    if (mode === 'add') y[i] = v.reduce((a, b) => a + b, 0);
    else if (mode === 'subtract') y[i] = v[0] - v[1];
    else if (mode === 'multiply') y[i] = v.reduce((a, b) => a * b, 1);
    else if (mode === 'average') y[i] = v.reduce((a, b) => a + b, 0) / v.length;
    else y[i] = Math.max(...v);
  }
  return y;
}

export function mergeBackward(mode: MergeMode, xs: Float64Array[], dy: Float64Array): Float64Array[] {
  return xs.map((_, k) => {
    const dx = new Float64Array(dy.length);
    for (let i = 0; i < dy.length; i++) {
      const v = xs.map((x) => x[i]);
      if (mode === 'add') dx[i] = dy[i];
      else if (mode === 'subtract') dx[i] = k === 0 ? dy[i] : -dy[i];
      else if (mode === 'average') dx[i] = dy[i] / v.length;
      else if (mode === 'multiply') dx[i] = dy[i] * v.reduce((a, b, j) => (j === k ? a : a * b), 1);
      else dx[i] = v.indexOf(Math.max(...v)) === k ? dy[i] : 0;
    }
    return dx;
  });
}

export function concatenateForward(xs: Float64Array[], channels: number[]): Float64Array {
  const rows = xs[0].length / channels[0];
  const OC = channels.reduce((a, b) => a + b, 0);
  const y = new Float64Array(rows * OC);
  for (let r = 0; r < rows; r++) {
    let c0 = 0;
    xs.forEach((x, k) => {
      for (let c = 0; c < channels[k]; c++) y[r * OC + c0 + c] = x[r * channels[k] + c];
      c0 += channels[k];
    });
  }
  return y;
}

export function concatenateBackward(dy: Float64Array, channels: number[]): Float64Array[] {
  const OC = channels.reduce((a, b) => a + b, 0);
  const rows = dy.length / OC;
  let c0 = 0;
  return channels.map((C) => {
    const dx = new Float64Array(rows * C);
    for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) dx[r * C + c] = dy[r * OC + c0 + c];
    c0 += C;
    return dx;
  });
}
