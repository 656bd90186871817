// Turns decoded IDX files into the library's types: uint8 images → [N, H, W, 1] in [0, 1], labels → Int32Array.
import type { ByteTensor, Tensor } from '../tensor.js';
import type { IdxTensor } from './idx-format.js';

/** uint8 IDX images [N, H, W] → Tensor [N, H, W, 1] scaled by 1/255 into [0, 1]; `name` labels errors. */
export function imagesFromIdx(idx: IdxTensor, name = 'images'): Tensor {
  const src = checkImages(idx, name, 'imagesFromIdx');
  const data = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = src[i] / 255;
  return { data, shape: [...idx.shape, 1] };
}

/**
 * uint8 IDX images [N, H, W] → ByteTensor [N, H, W, 1] sharing the bytes (no copy): fit, predict and
 * evaluate read each byte b as b / 255, so the data set stays at one byte per pixel.
 */
export function bytesFromIdx(idx: IdxTensor, name = 'images'): ByteTensor {
  return { data: checkImages(idx, name, 'bytesFromIdx'), shape: [...idx.shape, 1] };
}

function checkImages(idx: IdxTensor, name: string, who: string): Uint8Array {
  if (idx.type !== 'uint8' || idx.shape.length !== 3) {
    throw new Error(
      `${who}: ${name}: expected uint8 images of shape [N, H, W] but got ${idx.type} [${idx.shape}]` +
        ' (is this an images file, e.g. train-images-idx3-ubyte, and not a labels file?)',
    );
  }
  return idx.data as Uint8Array;
}

/** Integer IDX labels [N] → Int32Array of N class indices; `name` labels errors. */
export function labelsFromIdx(idx: IdxTensor, name = 'labels'): Int32Array {
  if (idx.shape.length !== 1 || idx.type === 'float32' || idx.type === 'float64') {
    throw new Error(
      `labelsFromIdx: ${name}: expected integer labels of shape [N] but got ${idx.type} [${idx.shape}]` +
        ' (is this a labels file, e.g. train-labels-idx1-ubyte, and not an images file?)',
    );
  }
  return Int32Array.from(idx.data);
}
