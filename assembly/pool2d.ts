// MaxPooling2D with TF semantics: SAME padding never wins a max (only real elements compete), and among
// equal values the first in window order (row, then column) wins, as TF.js's maxPoolPositions does.
//
//   x is (N, H, W, C), y is (N, OH, OW, C), argmax is (N, OH, OW, C) i32: the winner's offset in x[n]
// Threads: each call owns images [n0, n1).
import { ConvShape } from './conv2d';
import { storeWindowMax } from './window-max';

// Output o's window covers input rows (or columns) [windowStart, windowEnd): the real ones only, padding
// left out.
@inline function windowStart(o: i32, S: i32, pad: i32): i32 { return max(o * S - pad, 0); }
@inline function windowEnd(o: i32, S: i32, pad: i32, K: i32, size: i32): i32 { return min(o * S - pad + K, size); }

/** y = maxpool(x) for images n0..n1, recording each winner's position for the backward pass (unless argmax == 0). */
export function maxPool2dForward(s: ConvShape, x: usize, y: usize, argmax: usize, n0: i32, n1: i32): void {
  const C = s.C;
  const C4 = ASC_FEATURE_SIMD ? C & ~3 : 0;
  const inSize = s.H * s.W * C, outSize = s.OH * s.OW * C;
  for (let n = n0; n < n1; n++) {
    const xn = x + (<usize>(n * inSize) << 2);
    const yn = y + (<usize>(n * outSize) << 2);
    const an = argmax + (<usize>(n * outSize) << 2);
    for (let oh = 0; oh < s.OH; oh++) {
      const h0 = windowStart(oh, s.SH, s.padTop), h1 = windowEnd(oh, s.SH, s.padTop, s.KH, s.H);
      for (let ow = 0; ow < s.OW; ow++) {
        const w0 = windowStart(ow, s.SW, s.padLeft), w1 = windowEnd(ow, s.SW, s.padLeft, s.KW, s.W);
        const o = (oh * s.OW + ow) * C;
        const first = (h0 * s.W + w0) * C;   // the window's first element starts as the best
        if (ASC_FEATURE_SIMD && h1 - h0 == 2 && w1 - w0 == 2) {
          maxPool2x2(xn + (<usize>first << 2), C, s.W * C, C4, first, yn + (<usize>o << 2), argmax == 0 ? 0 : an + (<usize>o << 2));
        } else if (ASC_FEATURE_SIMD) {
          // Channels in groups of 4: compare-and-select keeps the earliest maximum, as the scalar loop
          // does. The winner's window offset is tracked and the lanes' channel added at the end.
          for (let c = 0; c < C4; c += 4) {
            let vbest = v128.load(xn + (<usize>(first + c) << 2));
            if (argmax == 0) {
              // Inference: the same compare-and-select, without tracking the winner.
              for (let h = h0; h < h1; h++) {
                let p = xn + (<usize>((h * s.W + w0) * C + c) << 2);
                for (let w = w0; w < w1; w++, p += <usize>C << 2) {
                  const v = v128.load(p);
                  vbest = v128.bitselect(v, vbest, f32x4.gt(v, vbest));
                }
              }
              v128.store(yn + (<usize>(o + c) << 2), vbest);
              continue;
            }
            let vat = i32x4.splat(first);
            for (let h = h0; h < h1; h++) {
              for (let w = w0; w < w1; w++) {
                const i = (h * s.W + w) * C;
                const v = v128.load(xn + (<usize>(i + c) << 2));
                const better = f32x4.gt(v, vbest);
                vbest = v128.bitselect(v, vbest, better);
                vat = v128.bitselect(i32x4.splat(i), vat, better);
              }
            }
            v128.store(yn + (<usize>(o + c) << 2), vbest);
            if (argmax != 0) v128.store(an + (<usize>(o + c) << 2), i32x4.add(vat, i32x4(c, c + 1, c + 2, c + 3)));
          }
        }
        for (let c = C4; c < C; c++) {
          let best = load<f32>(xn + (<usize>(first + c) << 2));
          let at = first + c;
          for (let h = h0; h < h1; h++) {
            for (let w = w0; w < w1; w++) {
              const i = (h * s.W + w) * C + c;
              const v = load<f32>(xn + (<usize>i << 2));
              if (v > best) { best = v; at = i; }
            }
          }
          store<f32>(yn + (<usize>(o + c) << 2), best);
          if (argmax != 0) store<i32>(an + (<usize>(o + c) << 2), at);
        }
      }
    }
  }
}

// A window of 2 x 2 real elements (the usual pool, away from a same-padded edge), channels c < C4 in
// groups of 4: the generic loop unrolled, the same compare-and-select in window order. p is the window's
// first element, `first` its offset in the image, C the channels and rowFloats the image's row length in
// floats; an == 0: no winners to record.
@inline function maxPool2x2(p: usize, C: i32, rowFloats: i32, C4: i32, first: i32, y: usize, an: usize): void {
  const right = <usize>C << 2, down = <usize>rowFloats << 2;
  for (let c = 0; c < C4; c += 4) {
    const q = p + (<usize>c << 2);
    storeWindowMax(y + (<usize>c << 2), an == 0 ? 0 : an + (<usize>c << 2),
                   v128.load(q), v128.load(q + right), v128.load(q + down), v128.load(q + down + right), first + c, C, rowFloats);
  }
}

/**
 * dx = 0, then dx[argmax] += dy, for images n0..n1 (overlapping windows accumulate). relu != 0: the pool's
 * output y, after a ReLU conv that ran this pool in its tiles and never stored its own output (training
 * plans, see fusedPools in graph.ts): dy passes only where y > 0, which is ReLU' at the winner (its value
 * is y), so dx is already dL/d(pre-activation) of that conv.
 */
export function maxPool2dBackward(s: ConvShape, dy: usize, argmax: usize, dx: usize, n0: i32, n1: i32, relu: usize = 0): void {
  const inSize = s.H * s.W * s.C, outSize = s.OH * s.OW * s.C;
  if (ASC_FEATURE_SIMD && tiles2x2(s)) {
    maxPool2x2Backward(s, dy, argmax, dx, n0, n1, relu);
    return;
  }
  for (let n = n0; n < n1; n++) {
    const dxn = dx + (<usize>(n * inSize) << 2);
    memory.fill(dxn, 0, <usize>inSize << 2);
    const o0 = n * outSize;
    for (let o = 0; o < outSize; o++) {
      const i = <usize>(o0 + o) << 2;
      const p = dxn + (<usize>load<i32>(argmax + i) << 2);
      const g = relu == 0 || load<f32>(relu + i) > 0 ? load<f32>(dy + i) : 0;
      store<f32>(p, load<f32>(p) + g);
    }
  }
}

// 2x2 windows at stride 2 that tile the image exactly (no padding, even H and W) and channels in groups
// of 4: every element of dx belongs to one window, so each is written once, with no zero fill first.
@inline function tiles2x2(s: ConvShape): bool {
  return s.KH == 2 && s.KW == 2 && s.SH == 2 && s.SW == 2 && s.padTop == 0 && s.padLeft == 0 &&
    s.OH * 2 == s.H && s.OW * 2 == s.W && (s.C & 3) == 0;
}

// maxPool2dBackward where tiles2x2: each window's 4 elements get 0 + g at the winner (the sum the generic
// loop stores there, -0 included) and 0 elsewhere.
function maxPool2x2Backward(s: ConvShape, dy: usize, argmax: usize, dx: usize, n0: i32, n1: i32, relu: usize): void {
  const C = s.C, rowFloats = s.W * C;
  const inSize = s.H * rowFloats, outSize = s.OH * s.OW * C;
  const zero = f32x4.splat(0);
  const right = <usize>C << 2, down = <usize>rowFloats << 2;
  // The winner's offset from lane l's element of the window's top-left pixel: 0, C, a row, a row + C.
  const lanes = i32x4(0, 1, 2, 3), atFirst = i32x4.splat(0), atRight = i32x4.splat(C), atDown = i32x4.splat(rowFloats), atBoth = i32x4.splat(rowFloats + C);
  for (let n = n0; n < n1; n++) {
    const dxn = dx + (<usize>(n * inSize) << 2);
    let o = n * outSize;
    for (let oh = 0; oh < s.OH; oh++) {
      for (let ow = 0; ow < s.OW; ow++) {
        const first = (2 * oh * s.W + 2 * ow) * C;   // the window's top-left element
        for (let c = 0; c < C; c += 4, o += 4) {
          const i = <usize>o << 2;
          let g = f32x4.add(zero, v128.load(dy + i));
          if (relu != 0) g = v128.and(g, f32x4.gt(v128.load(relu + i), zero));
          const at = i32x4.sub(v128.load(argmax + i), i32x4.add(lanes, i32x4.splat(first + c)));
          const p = dxn + (<usize>(first + c) << 2);
          v128.store(p, v128.and(g, i32x4.eq(at, atFirst)));
          v128.store(p + right, v128.and(g, i32x4.eq(at, atRight)));
          v128.store(p + down, v128.and(g, i32x4.eq(at, atDown)));
          v128.store(p + down + right, v128.and(g, i32x4.eq(at, atBoth)));
        }
      }
    }
  }
}

// AveragePooling2D with TF semantics: each output is the mean of the real elements in its window; SAME
// padding cells are left out of both the sum and the count (TF's AvgPool, Keras's AveragePooling2D).
//
//   x is (N, H, W, C), y is (N, OH, OW, C)
// The SIMD body sums 4 channels at once in the same window order as the scalar loop and divides by the
// same count, so both give the same bits. Threads: each call owns images [n0, n1).

/** y = mean of each window's real elements, for images n0..n1. */
export function avgPool2dForward(s: ConvShape, x: usize, y: usize, n0: i32, n1: i32): void {
  const C = s.C;
  const C4 = ASC_FEATURE_SIMD ? C & ~3 : 0;
  const inSize = s.H * s.W * C, outSize = s.OH * s.OW * C;
  for (let n = n0; n < n1; n++) {
    const xn = x + (<usize>(n * inSize) << 2);
    const yn = y + (<usize>(n * outSize) << 2);
    for (let oh = 0; oh < s.OH; oh++) {
      const h0 = windowStart(oh, s.SH, s.padTop), h1 = windowEnd(oh, s.SH, s.padTop, s.KH, s.H);
      for (let ow = 0; ow < s.OW; ow++) {
        const w0 = windowStart(ow, s.SW, s.padLeft), w1 = windowEnd(ow, s.SW, s.padLeft, s.KW, s.W);
        const count = <f32>((h1 - h0) * (w1 - w0));
        const o = (oh * s.OW + ow) * C;
        if (ASC_FEATURE_SIMD) {
          for (let c = 0; c < C4; c += 4) {
            let vsum = f32x4.splat(0);
            for (let h = h0; h < h1; h++) {
              let p = xn + (<usize>((h * s.W + w0) * C + c) << 2);
              for (let w = w0; w < w1; w++, p += <usize>C << 2) vsum = f32x4.add(vsum, v128.load(p));
            }
            v128.store(yn + (<usize>(o + c) << 2), f32x4.div(vsum, f32x4.splat(count)));
          }
        }
        for (let c = C4; c < C; c++) {
          let sum: f32 = 0;
          for (let h = h0; h < h1; h++) {
            for (let w = w0; w < w1; w++) sum += load<f32>(xn + (<usize>((h * s.W + w) * C + c) << 2));
          }
          store<f32>(yn + (<usize>(o + c) << 2), sum / count);
        }
      }
    }
  }
}

/**
 * dx = 0, then every window's real elements receive dy / count (overlapping windows accumulate, in
 * output order: the same order for every channel, so SIMD and scalar agree bit for bit).
 */
export function avgPool2dBackward(s: ConvShape, dy: usize, dx: usize, n0: i32, n1: i32): void {
  const C = s.C;
  const C4 = ASC_FEATURE_SIMD ? C & ~3 : 0;
  const inSize = s.H * s.W * C, outSize = s.OH * s.OW * C;
  for (let n = n0; n < n1; n++) {
    const dxn = dx + (<usize>(n * inSize) << 2);
    const dyn = dy + (<usize>(n * outSize) << 2);
    memory.fill(dxn, 0, <usize>inSize << 2);
    for (let oh = 0; oh < s.OH; oh++) {
      const h0 = windowStart(oh, s.SH, s.padTop), h1 = windowEnd(oh, s.SH, s.padTop, s.KH, s.H);
      for (let ow = 0; ow < s.OW; ow++) {
        const w0 = windowStart(ow, s.SW, s.padLeft), w1 = windowEnd(ow, s.SW, s.padLeft, s.KW, s.W);
        const count = <f32>((h1 - h0) * (w1 - w0));
        const o = (oh * s.OW + ow) * C;
        if (ASC_FEATURE_SIMD) {
          for (let c = 0; c < C4; c += 4) {
            const g = f32x4.div(v128.load(dyn + (<usize>(o + c) << 2)), f32x4.splat(count));
            for (let h = h0; h < h1; h++) {
              let p = dxn + (<usize>((h * s.W + w0) * C + c) << 2);
              for (let w = w0; w < w1; w++, p += <usize>C << 2) v128.store(p, f32x4.add(v128.load(p), g));
            }
          }
        }
        for (let c = C4; c < C; c++) {
          const g = load<f32>(dyn + (<usize>(o + c) << 2)) / count;
          for (let h = h0; h < h1; h++) {
            for (let w = w0; w < w1; w++) {
              const p = dxn + (<usize>((h * s.W + w) * C + c) << 2);
              store<f32>(p, load<f32>(p) + g);
            }
          }
        }
      }
    }
  }
}
