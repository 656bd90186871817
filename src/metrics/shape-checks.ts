// Shape checks shared by the metrics and filters, so every one reports a bad shape the same way.
import type { Tensor } from '../tensor.js';

/** [N, H, W, C] of an NHWC batch, or a clear error naming `fn`. */
export function nhwc(fn: string, t: Tensor, what = 'input'): [number, number, number, number] {
  if (t.shape.length !== 4) {
    const hint = t.shape.length === 3 ? ' (add a channel axis: shape [N, H, W, 1])' : '';
    throw new Error(`${fn}: ${what} must be NHWC [N, H, W, C] but has shape [${t.shape}]${hint}`);
  }
  const [n, h, w, c] = t.shape;
  return [n, h, w, c];
}

/** Throws unless a and b have the same shape and at least one image. */
export function sameBatch(fn: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${fn}: shapes differ: [${a.shape}] vs [${b.shape}] (compare images of the same size, in the same order)`);
  }
  if (a.shape.length < 2) throw new Error(`${fn}: expected a batch [N, ...] of images, got shape [${a.shape}]`);
  if (a.shape[0] === 0) throw new Error(`${fn}: the batch is empty (N = 0)`);
}
