// UpSampling2D, nearest neighbour with integer factors (KH, KW) = (fh, fw):
//   x is (N, H, W, C), y is (N, H*fh, W*fw, C), y[oh][ow] = x[oh/fh][ow/fw]
// Threads: each call owns images [n0, n1).
import { ConvShape } from './conv2d';
import { copyFloats, addFloats } from './copy';

/** y = upsample(x) for images n0..n1: each input row fills one output row, copied fh - 1 times below. */
export function upSample2dForward(s: ConvShape, x: usize, y: usize, n0: i32, n1: i32): void {
  const C = s.C;
  const rowBytes = <usize>(s.OW * C) << 2;
  for (let n = n0; n < n1; n++) {
    const xn = x + (<usize>(n * s.H * s.W * C) << 2);
    const yn = y + (<usize>(n * s.OH * s.OW * C) << 2);
    for (let h = 0; h < s.H; h++) {
      const yrow = yn + <usize>(h * s.KH) * rowBytes;
      let d = yrow;
      for (let w = 0; w < s.W; w++) {
        const src = xn + (<usize>((h * s.W + w) * C) << 2);
        if (ASC_FEATURE_SIMD && C == 8) {
          // The tutorial's 8 channels: two vectors, loaded once, stored fw times.
          const v0 = v128.load(src), v1 = v128.load(src, 16);
          for (let j = 0; j < s.KW; j++, d += 32) { v128.store(d, v0); v128.store(d, v1, 16); }
          continue;
        }
        for (let j = 0; j < s.KW; j++, d += <usize>C << 2) copyFloats(d, src, C);
      }
      for (let i = 1; i < s.KH; i++) memory.copy(yrow + <usize>i * rowBytes, yrow, rowBytes);
    }
  }
}

/** dx[h][w] = Σ of its fh x fw block of dy (block rows in order, columns in order), for images n0..n1. */
export function upSample2dBackward(s: ConvShape, dy: usize, dx: usize, n0: i32, n1: i32): void {
  const C = s.C;
  const fh = s.KH, fw = s.KW;
  const rowBytes = <usize>(s.OW * C) << 2;
  for (let n = n0; n < n1; n++) {
    const dxn = dx + (<usize>(n * s.H * s.W * C) << 2);
    const dyn = dy + (<usize>(n * s.OH * s.OW * C) << 2);
    for (let h = 0; h < s.H; h++) {
      for (let w = 0; w < s.W; w++) {
        const d = dxn + (<usize>((h * s.W + w) * C) << 2);
        const block = dyn + <usize>(h * fh) * rowBytes + (<usize>(w * fw * C) << 2);
        // Gather the block: its first term is copied and the rest added in order (no zeroing pass).
        copyFloats(d, block, C);
        for (let i = 0; i < fh; i++) {
          for (let j = i == 0 ? 1 : 0; j < fw; j++) addFloats(d, block + <usize>i * rowBytes + (<usize>(j * C) << 2), C);
        }
      }
    }
  }
}
