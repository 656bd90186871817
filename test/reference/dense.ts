/**
 * Reference (f64, plain loops) Dense layer (pre-activation): y = x · W + b.
 *   x [N, IN]   at n*IN + i
 *   W [IN, OUT] at i*OUT + o   (Keras kernel order)
 *   b [OUT]
 *   y [N, OUT]  at n*OUT + o
 */
export interface DenseShape {
  N: number;
  IN: number;
  OUT: number;
}

export function denseForward(
  x: ArrayLike<number>,
  shape: DenseShape,
  w: ArrayLike<number>,
  b: ArrayLike<number> | null,
): { y: Float64Array; shape: { N: number; OUT: number } } {
  const { N, IN, OUT } = shape;
  if (x.length !== N * IN) throw new RangeError(`x: expected length ${N * IN}, got ${x.length}`);
  if (w.length !== IN * OUT) throw new RangeError(`w: expected length ${IN * OUT}, got ${w.length}`);
  if (b !== null && b.length !== OUT) throw new RangeError(`b: expected length ${OUT}, got ${b.length}`);
  const y = new Float64Array(N * OUT);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OUT; o++) {
      let sum = b !== null ? b[o] : 0;
      for (let i = 0; i < IN; i++) {
        sum += x[n * IN + i] * w[i * OUT + o];
      }
      y[n * OUT + o] = sum;
    }
  }
  return { y, shape: { N, OUT } };
}

/** dx = dy · Wᵀ,  dW = xᵀ · dy,  db = sum over n of dy. */
export function denseBackward(
  x: ArrayLike<number>,
  shape: DenseShape,
  w: ArrayLike<number>,
  dy: ArrayLike<number>,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const { N, IN, OUT } = shape;
  if (x.length !== N * IN) throw new RangeError(`x: expected length ${N * IN}, got ${x.length}`);
  if (w.length !== IN * OUT) throw new RangeError(`w: expected length ${IN * OUT}, got ${w.length}`);
  if (dy.length !== N * OUT) throw new RangeError(`dy: expected length ${N * OUT}, got ${dy.length}`);
  const dx = new Float64Array(N * IN);
  const dw = new Float64Array(IN * OUT);
  const db = new Float64Array(OUT);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OUT; o++) {
      const g = dy[n * OUT + o];
      db[o] += g;
      for (let i = 0; i < IN; i++) {
        dx[n * IN + i] += g * w[i * OUT + o];
        dw[i * OUT + o] += x[n * IN + i] * g;
      }
    }
  }
  return { dx, dw, db };
}
