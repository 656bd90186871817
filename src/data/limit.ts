// Shared by both MNIST sources: keep the first `limit` examples of a split, for tiny runs.
import { sliceRows } from '../tensor.js';
import type { Images } from '../tensor.js';
import { describeValue } from '../train/validate.js';

/** First `limit` images [limit, H, W, C] and labels of a split (all when limit is undefined or ≥ N). */
export function limitSplit<S extends { images: Images; labels: Int32Array }>(split: S, limit: number | undefined, what: string): S {
  if (limit === undefined) return split;
  if (!Number.isInteger(limit) || limit < 0) throw new Error(`loadMnist: ${what} must be a non-negative integer, got ${describeValue(limit)}`);
  const n = split.labels.length;
  if (limit >= n) return split;
  return { ...split, images: sliceRows(split.images, 0, limit), labels: split.labels.slice(0, limit) };
}
