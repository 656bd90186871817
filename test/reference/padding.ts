/**
 * Reference (f64, plain loops) for TensorFlow / Keras padding semantics.
 *
 * Output size (TF `conv_output_length` / `computeConv2DInfo` with dilation 1):
 *   'same' : out = ceil(in / stride)
 *   'valid': out = ceil((in - k + 1) / stride)
 *
 * SAME padding amounts (TF `get_windowed_output_size` / tfjs `getPadAndOutInfo`):
 *   total  = max((out - 1) * stride + k - in, 0)
 *   before = floor(total / 2)      (top / left)
 *   after  = total - before        (bottom / right)
 * i.e. when the total is odd the EXTRA row/column goes on the bottom/right.
 * Example: in=5, k=2, stride=2 -> out=3, total=(3-1)*2+2-5=1 -> before=0, after=1.
 * (Caffe/PyTorch-style symmetric padding would put it on top/left instead; TF doesn't.)
 *
 * 'valid' has no padding: before = after = 0.
 */
export type Padding = 'same' | 'valid';

export function convOutputSize(inSize: number, k: number, stride: number, padding: Padding): number {
  if (!(Number.isInteger(inSize) && inSize >= 1)) throw new RangeError(`bad input size ${inSize}`);
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`bad kernel size ${k}`);
  if (!(Number.isInteger(stride) && stride >= 1)) throw new RangeError(`bad stride ${stride}`);
  let out: number;
  if (padding === 'same') {
    out = Math.ceil(inSize / stride);
  } else if (padding === 'valid') {
    out = Math.ceil((inSize - k + 1) / stride);
  } else {
    throw new Error(`unknown padding ${String(padding)}`);
  }
  if (out < 1) {
    throw new RangeError(`kernel ${k} larger than input ${inSize} with 'valid' padding`);
  }
  return out;
}

export function samePadding(inSize: number, k: number, stride: number): { before: number; after: number } {
  const out = convOutputSize(inSize, k, stride, 'same');
  const total = Math.max((out - 1) * stride + k - inSize, 0);
  const before = Math.floor(total / 2);
  const after = total - before;
  return { before, after };
}

/** Output size plus the padding actually applied before/after, for either padding mode. */
export function padInfo(
  inSize: number,
  k: number,
  stride: number,
  padding: Padding,
): { out: number; before: number; after: number } {
  const out = convOutputSize(inSize, k, stride, padding);
  if (padding === 'valid') return { out, before: 0, after: 0 };
  const { before, after } = samePadding(inSize, k, stride);
  return { out, before, after };
}
