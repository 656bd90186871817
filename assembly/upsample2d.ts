// UpSampling2D, nearest neighbour with integer factors (KH, KW) = (fh, fw):
//   x is (N, H, W, C), y is (N, H*fh, W*fw, C), y[oh][ow] = x[oh/fh][ow/fw]
// Threads: each call owns images [n0, n1).
import { ConvShape } from './conv2d';
import { copyFloats, addFloats } from './copy';

/** y = upsample(x) for images n0..n1: each input row fills one output row, copied fh - 1 times below. */
export function upSample2dForward(s: ConvShape, x: usize, y: usize, n0: i32, n1: i32): void {
  const C = s.C;
  const rowBytes = <usize>(s.OW * C) << 2, pixel = <usize>C << 2;
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
        if (ASC_FEATURE_SIMD && s.KW == 2 && (C & 3) == 0) {
          // The usual factor 2: each vector of 4 channels loaded once and stored twice.
          for (let c: usize = 0; c < pixel; c += 16) {
            const v = v128.load(src + c);
            v128.store(d + c, v);
            v128.store(d + pixel + c, v);
          }
          d += pixel << 1;
          continue;
        }
        for (let j = 0; j < s.KW; j++, d += pixel) copyFloats(d, src, C);
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
  if (ASC_FEATURE_SIMD && fh == 2 && fw == 2 && (C & 3) == 0) {
    upSample2x2Backward(s, dy, dx, n0, n1);
    return;
  }
  for (let n = n0; n < n1; n++) {
    const dxn = dx + (<usize>(n * s.H * s.W * C) << 2);
    const dyn = dy + (<usize>(n * s.OH * s.OW * C) << 2);
    for (let h = 0; h < s.H; h++) {
      for (let w = 0; w < s.W; w++) {
        const d = dxn + (<usize>((h * s.W + w) * C) << 2);
        const block = dyn + <usize>(h * fh) * rowBytes + (<usize>(w * fw * C) << 2);
        // Gather the block: its first term is copied and the rest added in order (no zeroing pass).
        let c = 0;
        if (ASC_FEATURE_SIMD) {   // 4 channels at a time, the sum in a register, terms in the same order
          const pixel = <usize>C << 2;
          for (; c + 4 <= C; c += 4) {
            const o = <usize>c << 2;
            let v = v128.load(block + o);
            for (let i = 0; i < fh; i++) {
              for (let j = i == 0 ? 1 : 0; j < fw; j++) v = f32x4.add(v, v128.load(block + <usize>i * rowBytes + <usize>j * pixel + o));
            }
            v128.store(d + o, v);
          }
        }
        if (c == C) continue;
        const rest = C - c, o = <usize>c << 2;   // channels the vectors left
        copyFloats(d + o, block + o, rest);
        for (let i = 0; i < fh; i++) {
          for (let j = i == 0 ? 1 : 0; j < fw; j++) addFloats(d + o, block + <usize>i * rowBytes + (<usize>(j * C) << 2) + o, rest);
        }
      }
    }
  }
}

// upSample2dBackward for the usual factor 2 with channels in 4s: each dx vector is its 2x2 block's sum,
// terms in block order (the same bits), the block's rows walked by two pointers.
function upSample2x2Backward(s: ConvShape, dy: usize, dx: usize, n0: i32, n1: i32): void {
  const pixel = <usize>s.C << 2, rowBytes = <usize>(s.OW * s.C) << 2;
  for (let n = n0; n < n1; n++) {
    let d = dx + (<usize>(n * s.H * s.W * s.C) << 2);
    const dyn = dy + (<usize>(n * s.OH * s.OW * s.C) << 2);
    for (let h = 0; h < s.H; h++) {
      let top = dyn + <usize>(2 * h) * rowBytes, bottom = top + rowBytes;
      for (let w = 0; w < s.W; w++, top += pixel << 1, bottom += pixel << 1) {
        for (let c: usize = 0; c < pixel; c += 16, d += 16) {
          let v = f32x4.add(v128.load(top + c), v128.load(top + pixel + c));
          v = f32x4.add(v, v128.load(bottom + c));
          v128.store(d, f32x4.add(v, v128.load(bottom + pixel + c)));
        }
      }
    }
  }
}
