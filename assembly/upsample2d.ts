// UpSampling2D, nearest neighbour with integer factors (KH, KW) = (fh, fw):
//   x is (N, H, W, C), y is (N, H*fh, W*fw, C), y[oh][ow] = x[oh/fh][ow/fw]
// Threads: each call owns images [n0, n1).
import { ConvShape } from './conv2d';
import { copyFloats, addFloats } from './copy';

/** y = upsample(x) for images n0..n1. */
export function upSample2dForward(s: ConvShape, x: usize, y: usize, n0: i32, n1: i32): void {
  const C = s.C;
  for (let n = n0; n < n1; n++) {
    const xn = x + (<usize>(n * s.H * s.W * C) << 2);
    const yn = y + (<usize>(n * s.OH * s.OW * C) << 2);
    for (let oh = 0; oh < s.OH; oh++) {
      const xrow = xn + (<usize>((oh / s.KH) * s.W * C) << 2);
      const yrow = yn + (<usize>(oh * s.OW * C) << 2);
      for (let ow = 0; ow < s.OW; ow++) {
        copyFloats(yrow + (<usize>(ow * C) << 2), xrow + (<usize>((ow / s.KW) * C) << 2), C);
      }
    }
  }
}

/** dx[h][w] = Σ over its fh x fw block of dy, for images n0..n1 (summed row by row, then column). */
export function upSample2dBackward(s: ConvShape, dy: usize, dx: usize, n0: i32, n1: i32): void {
  const C = s.C;
  for (let n = n0; n < n1; n++) {
    const dxn = dx + (<usize>(n * s.H * s.W * C) << 2);
    const dyn = dy + (<usize>(n * s.OH * s.OW * C) << 2);
    memory.fill(dxn, 0, <usize>(s.H * s.W * C) << 2);
    for (let oh = 0; oh < s.OH; oh++) {
      const dxrow = dxn + (<usize>((oh / s.KH) * s.W * C) << 2);
      const dyrow = dyn + (<usize>(oh * s.OW * C) << 2);
      for (let ow = 0; ow < s.OW; ow++) {
        addFloats(dxrow + (<usize>((ow / s.KW) * C) << 2), dyrow + (<usize>(ow * C) << 2), C);
      }
    }
  }
}
