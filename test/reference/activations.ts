/**
 * Reference (f64) elementwise activations. Backward takes dy and the FORWARD OUTPUT y:
 *   relu    y = max(x, 0)          dx = dy * (y > 0 ? 1 : 0)   (derivative at 0 is 0, as TF's step(x))
 *   sigmoid y = 1 / (1 + e^-x)     dx = dy * y * (1 - y)
 *   tanh    y = tanh(x)            dx = dy * (1 - y^2)
 *   linear  y = x                  dx = dy
 */
export type ActivationName = 'relu' | 'sigmoid' | 'tanh' | 'linear';

export function reluForward(x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : 0;
  return y;
}

export function reluBackward(dy: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  checkSame(dy, y);
  const dx = new Float64Array(dy.length);
  for (let i = 0; i < dy.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
  return dx;
}

export function sigmoidForward(x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
  return y;
}

export function sigmoidBackward(dy: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  checkSame(dy, y);
  const dx = new Float64Array(dy.length);
  for (let i = 0; i < dy.length; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
  return dx;
}

export function tanhForward(x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]);
  return y;
}

export function tanhBackward(dy: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  checkSame(dy, y);
  const dx = new Float64Array(dy.length);
  for (let i = 0; i < dy.length; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
  return dx;
}

export function linearForward(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x);
}

export function linearBackward(dy: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  checkSame(dy, y);
  return Float64Array.from(dy);
}

export function activationForward(name: ActivationName, x: ArrayLike<number>): Float64Array {
  switch (name) {
    case 'relu':
      return reluForward(x);
    case 'sigmoid':
      return sigmoidForward(x);
    case 'tanh':
      return tanhForward(x);
    case 'linear':
      return linearForward(x);
    default:
      throw new Error(`unknown activation ${String(name)}`);
  }
}

export function activationBackward(name: ActivationName, dy: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  switch (name) {
    case 'relu':
      return reluBackward(dy, y);
    case 'sigmoid':
      return sigmoidBackward(dy, y);
    case 'tanh':
      return tanhBackward(dy, y);
    case 'linear':
      return linearBackward(dy, y);
    default:
      throw new Error(`unknown activation ${String(name)}`);
  }
}

function checkSame(dy: ArrayLike<number>, y: ArrayLike<number>): void {
  if (dy.length !== y.length) throw new RangeError(`dy length ${dy.length} != y length ${y.length}`);
}
