/**
 * Reference (f64) elementwise activations. Backward takes dy and the FORWARD OUTPUT y:
 *   relu    y = max(x, 0)          dx = dy * (y > 0 ? 1 : 0)   (derivative at 0 is 0, as TF's step(x))
 *   sigmoid y = 1 / (1 + e^-x)     dx = dy * y * (1 - y)
 *   tanh    y = tanh(x)            dx = dy * (1 - y^2)
 *   linear  y = x                  dx = dy
 *   elu     y = x > 0 ? x : e^x - 1                  dx = dy * (x > 0 ? 1 : e^x)
 *   selu    y = s x (x > 0), s a (e^x - 1) (x <= 0)  dx = dy * (x > 0 ? s : s a e^x)
 *           s = 1.0507009873554804934193349852946, a s = 1.7580993408473768599402175208123
 *   softplus y = ln(1 + e^x)                          dx = dy * sigmoid(x)
 *   leaky relu y = x > 0 ? x : alpha x               dx = dy * (x > 0 ? 1 : alpha)
 * The four of them take the INPUT x in backward (their textbook derivatives), unlike the three above,
 * so that the kernels' derivatives from y are checked against an independent form.
 */
export type ActivationName = 'relu' | 'sigmoid' | 'tanh' | 'linear';
export type InputActivationName = 'elu' | 'selu' | 'softplus';

export const SELU_SCALE = 1.0507009873554804934193349852946;
export const SELU_SCALE_ALPHA = 1.7580993408473768599402175208123;

/** y = act(x) for elu, selu, softplus (f64). */
export function inputActivationForward(name: InputActivationName, x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, (v) => {
    if (name === 'elu') return v > 0 ? v : Math.exp(v) - 1;
    if (name === 'selu') return v > 0 ? SELU_SCALE * v : SELU_SCALE_ALPHA * (Math.exp(v) - 1);
    return Math.log1p(Math.exp(v));
  });
}

/** dx = dy * act'(x) for elu, selu, softplus (f64). */
export function inputActivationBackward(name: InputActivationName, dy: ArrayLike<number>, x: ArrayLike<number>): Float64Array {
  checkSame(dy, x);
  return Float64Array.from(x, (v, i) => {
    if (name === 'elu') return dy[i] * (v > 0 ? 1 : Math.exp(v));
    if (name === 'selu') return dy[i] * (v > 0 ? SELU_SCALE : SELU_SCALE_ALPHA * Math.exp(v));
    return dy[i] / (1 + Math.exp(-v));
  });
}

export function leakyReluForward(x: ArrayLike<number>, alpha: number): Float64Array {
  return Float64Array.from(x, (v) => (v > 0 ? v : alpha * v));
}

export function leakyReluBackward(dy: ArrayLike<number>, x: ArrayLike<number>, alpha: number): Float64Array {
  checkSame(dy, x);
  return Float64Array.from(x, (v, i) => (v > 0 ? dy[i] : alpha * dy[i]));
}

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
