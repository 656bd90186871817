// Conv2D as an implicit GEMM over a padded copy of each image: no im2col matrix is ever built.
//
//   x   is (N, H, W, C)        NHWC input
//   w   is (KH, KW, C, OC)     Keras HWIO kernel = a row-major [K, OC] matrix, K = KH*KW*C
//   y   is (N, OH, OW, OC)     y = act(conv(x, w) + b)
//   xp  is (HP, WP, C)         one image with TF's zero padding, HP = (OH-1)*SH + KH, WP = (OW-1)*SW + KW
//
// Row m = (oh, ow) of the virtual im2col matrix starts at xp + rowBase[m], rowBase[m] = oh*SH*ld + ow*SW*C
// (ld = the padded row length in floats), and its K entries are KH contiguous runs of KW*C floats, run kh
// at + kh*ld. So an A tile needs only 4 row pointers, and B (the kernel) is read straight from HWIO.
// Images that need no padding are read in place (ld = W*C), except by a conv with a fused pool or
// upsampling (graph.ts fusedPools, fusedUpsamplings), which always works on a copy (see conv2dForwardPooled).
//
// Summation order is fixed per output and shared with the scalar twins: kh, then j within the run, a
// separate multiply and add each (see gemm.ts); the exceptions are forwardToOne3, whose twin
// forwardToOneScalar3 follows its own order, and the layers usesWinograd sends to winograd.ts (its header). Threads: a call owns images [n0, n1), writes only their
// y/dx and its own chunk's partial gradients, and uses only its own scratch.
import { biasActivationForward, biasActivationColumns, activationForward } from './activations';
import { tile4x8, tile1x8, tile4x4, tile1x4, dotRunsSimd, dotRuns4Simd, dotRuns4Column, dotRunsScalar, foldLanes, madd, STORE, BIAS, BIAS_RELU, POOL_BIAS, POOL_BIAS_RELU } from './gemm';
import { ACT_LINEAR, ACT_RELU } from './plan';
import { copyFloats, zeroFloats } from './copy';
import { winogradFits, winogradUses4, winogradWorkFloats, winogradKernel, winogradConv3, winogradConv3Pooled } from './winograd';

// Geometry of one conv layer; a view of the op record's words F_H..F_PAD_LEFT (see network.ts).
@final @unmanaged export class ConvShape {
  H: i32; W: i32; C: i32;
  OH: i32; OW: i32; OC: i32;
  KH: i32; KW: i32; SH: i32; SW: i32;
  padTop: i32; padLeft: i32;
}

@inline function paddedH(s: ConvShape): i32 { return (s.OH - 1) * s.SH + s.KH; }
@inline function paddedW(s: ConvShape): i32 { return (s.OW - 1) * s.SW + s.KW; }

/** True when every window lies inside the image: the kernels read x in place. */
@inline function readsInPlace(s: ConvShape): bool {
  return s.padTop == 0 && s.padLeft == 0 && paddedH(s) <= s.H && paddedW(s) <= s.W;
}

// The input gradient (and Conv2DTranspose's forward) by stride phases: input pixels whose index + pad
// has the same remainder r modulo the stride receive the same kernel taps k = r, r + S, r + 2S, ...
// (J(r) = ceil((K - r) / S) of them) from consecutive output pixels, so each phase is a stride-1
// convolution of the output gradient with a flipped sub-kernel, run on the forward tiles. No MAC touches
// an inserted zero (dilating dz instead would multiply S*S times more) and nothing is scattered.
//   pixel i of phase r: i = i0 + t*S, i0 = (r - pad) mod S; it reads dz rows q0 + t - J(r) + 1 .. q0 + t,
//   q0 = (i0 + pad - r) / S, out-of-range rows being the zeros around dz in dzp.
@inline function taps(K: i32, S: i32, r: i32): i32 { return r < K ? (K - r + S - 1) / S : 0; }
@inline function firstOfPhase(S: i32, pad: i32, r: i32): i32 { return ((r - pad) % S + S) % S; }
@inline function phaseCount(size: i32, S: i32, i0: i32): i32 { return i0 < size ? (size - 1 - i0) / S + 1 : 0; }
/** Rows of the zero-padded output gradient dzp: J(0) - 1 above dz, through the last row a phase reads. */
@inline function dzpH(s: ConvShape): i32 { return taps(s.KH, s.SH, 0) + (s.H - 1 + s.padTop) / s.SH; }
@inline function dzpW(s: ConvShape): i32 { return taps(s.KW, s.SW, 0) + (s.W - 1 + s.padLeft) / s.SW; }
/** Pixels of the largest phase (0 at unit stride: the single phase is written straight into dx). */
@inline function phaseFloats(s: ConvShape): i32 {
  return s.SH == 1 && s.SW == 1 ? 0 : ((s.H + s.SH - 1) / s.SH) * ((s.W + s.SW - 1) / s.SW);
}

/** Scratch bytes one thread needs: padded image, padded gradient, phase output, row offsets, kernel, partial sums. */
export function conv2dScratchBytes(s: ConvShape): i32 {
  const padded = paddedH(s) * paddedW(s) * s.C;
  const phase = max(phaseFloats(s), 1);
  return (padded + dzpH(s) * dzpW(s) * s.OC + phase * s.C + s.OH * s.OW + max(phase, s.H * s.W) + s.KH * s.KW * s.C * s.OC +
          partFloats(s) + (usesWinograd(s) ? max(winogradWorkFloats(s.C, s.OC), winogradWorkFloats(s.OC, s.C)) : 0)) << 2;
}

// Scratch layout (bytes from the thread's scratch pointer).
@inline function xpOf(s: ConvShape, scratch: usize): usize { return scratch; }
@inline function dzpOf(s: ConvShape, scratch: usize): usize { return scratch + (<usize>(paddedH(s) * paddedW(s) * s.C) << 2); }
@inline function phaseOutOf(s: ConvShape, scratch: usize): usize { return dzpOf(s, scratch) + (<usize>(dzpH(s) * dzpW(s) * s.OC) << 2); }
@inline function rowBaseOf(s: ConvShape, scratch: usize): usize { return phaseOutOf(s, scratch) + (<usize>(max(phaseFloats(s), 1) * s.C) << 2); }
@inline function dxRowBaseOf(s: ConvShape, scratch: usize): usize { return rowBaseOf(s, scratch) + (<usize>(s.OH * s.OW) << 2); }
@inline function wTOf(s: ConvShape, scratch: usize): usize { return dxRowBaseOf(s, scratch) + (<usize>max(max(phaseFloats(s), 1), s.H * s.W) << 2); }
/** forwardToOne3's partial sums: one 4-lane vector per output column. */
@inline function partOf(s: ConvShape, scratch: usize): usize { return wTOf(s, scratch) + (<usize>(s.KH * s.KW * s.C * s.OC) << 2); }
@inline function partFloats(s: ConvShape): i32 { return slidesToOne(s) ? 4 * s.OW : 0; }
/** winograd.ts's work area (forward: U of w; unit-stride input gradient: U of the flipped kernel). */
@inline function winogradWorkOf(s: ConvShape, scratch: usize): usize { return partOf(s, scratch) + (<usize>partFloats(s) << 2); }

/**
 * 3x3 kernels at unit strides with channels in 4s run on Winograd F(2x2, 3x3) (winograd.ts): the forward,
 * the fused-pool forward and the input gradient (whose channels are the same two, swapped), unless the
 * 2x2 tiles would compute over 25% more outputs than there are (odd sizes: a 7x7 output takes 4x4 tiles,
 * and measured 0.8x the direct kernels; the input gradient's H x W has the same parity as OH x OW).
 */
// Mirrored (for its FLOP attribution only) by bench/lib/profile.mjs; test/ops.test.ts's "Winograd" cases
// are shapes this accepts.
@inline function usesWinograd(s: ConvShape): bool {
  const tiled = ((s.OH + 1) >> 1) * ((s.OW + 1) >> 1) * 4;
  return s.KH == 3 && s.KW == 3 && s.SH == 1 && s.SW == 1 && winogradFits(s.C, s.OC) && 4 * tiled <= 5 * s.OH * s.OW;
}

// The padded image's geometry: padLeftCols zero columns, then the image's columns 0..innerCols-1 (those
// the windows reach); rows [imageTop, imageBottom) hold image rows, the rest are zeros.
@inline function padLeftCols(s: ConvShape): i32 { return min(s.padLeft, paddedW(s)); }
@inline function innerCols(s: ConvShape): i32 { return max(0, min(s.W, paddedW(s) - s.padLeft)); }
@inline function imageTop(s: ConvShape): i32 { return min(s.padTop, paddedH(s)); }
@inline function imageBottom(s: ConvShape): i32 { return max(imageTop(s), min(paddedH(s), s.padTop + s.H)); }

/** xp = image xn with TF's zero padding (only the part the windows reach). */
function padImage(s: ConvShape, xn: usize, xp: usize): void {
  const HP = paddedH(s), WP = paddedW(s), C = s.C;
  const left = padLeftCols(s), inner = innerCols(s);
  const rowBytes = <usize>(WP * C) << 2;
  const top = imageTop(s), bottom = imageBottom(s);
  if (top > 0) memory.fill(xp, 0, <usize>top * rowBytes);
  for (let hp = top; hp < bottom; hp++) {
    const row = xp + <usize>hp * rowBytes;
    zeroFloats(row, left * C);
    copyRun(row + (<usize>(left * C) << 2), xn + (<usize>((hp - s.padTop) * s.W * C) << 2), inner * C);
    zeroFloats(row + (<usize>((left + inner) * C) << 2), (WP - left - inner) * C);
  }
  if (bottom < HP) memory.fill(xp + <usize>bottom * rowBytes, 0, <usize>(HP - bottom) * rowBytes);
}

// dst[0..n) = src[0..n): memory.copy (one call, a fast memmove) for long runs, copyFloats for short ones.
@inline function copyRun(dst: usize, src: usize, n: i32): void {
  if (n >= 64) memory.copy(dst, src, <usize>n << 2);
  else copyFloats(dst, src, n);
}

/** dxn = the unpadded part of dxp (the transpose of padImage). */
function cropImage(s: ConvShape, dxp: usize, dxn: usize): void {
  const WP = paddedW(s), C = s.C;
  const HP = paddedH(s);
  const inner = max(0, min(s.W, WP - s.padLeft));
  for (let ih = 0; ih < s.H; ih++) {
    const dst = dxn + (<usize>(ih * s.W * C) << 2);
    const hp = ih + s.padTop;
    if (hp >= HP) { zeroFloats(dst, s.W * C); continue; }   // rows no window reaches get no gradient
    copyRun(dst, dxp + (<usize>((hp * WP + s.padLeft) * C) << 2), inner * C);
    zeroFloats(dst + (<usize>(inner * C) << 2), (s.W - inner) * C);
  }
}

/** rowBase[m] = byte offset of output pixel m's window in a padded image with row length ld floats. */
function fillRowBase(s: ConvShape, ld: i32, rowBase: usize): void {
  let m = 0;
  for (let oh = 0; oh < s.OH; oh++) {
    for (let ow = 0; ow < s.OW; ow++, m++) store<i32>(rowBase + (<usize>m << 2), (oh * s.SH * ld + ow * s.SW * s.C) << 2);
  }
}

// ---------------------------------------------------------------------------------------------------
// Forward: y[m][oc] = Σ_kh Σ_j A(m; kh, j) * w[kh*run + j][oc]

/**
 * y[n] = act(conv(x[n], w) + b) for images n0..n1 (b == 0: no bias). Plans may fuse (graph.ts):
 * up != 0 points at the op record's F_UP_X, F_UP_FH, F_UP_FW: x is then the upsampling of that input,
 * never stored (padUpsampled); pooled != 0 (SIMD builds): y is not written, its 2x2 max pool goes to
 * pooled, and (training) the pool's winners to argmax (0: not recorded). inference: a prediction, not a
 * training step's forward: Winograd layers may then take 4x4 tiles (winograd.ts winogradUses4; their
 * rounding error is larger, which adam magnifies in training, README, Architecture).
 */
export function conv2dForward(s: ConvShape, x: usize, w: usize, b: usize, act: i32, y: usize,
                              n0: i32, n1: i32, scratch: usize, pooled: usize, up: usize, argmax: usize = 0, inference: bool = false): void {
  const four = inference && usesWinograd(s) && winogradUses4(s.OH, s.OW, s.C, s.OC);
  if (ASC_FEATURE_SIMD && pooled != 0) {
    conv2dForwardPooled(s, x, w, b, act, pooled, argmax, n0, n1, scratch, up, four);
    return;
  }
  const M = s.OH * s.OW, OC = s.OC, C = s.C;
  const inPlace = readsInPlace(s) && up == 0;
  const ld = inPlace ? s.W * C : paddedW(s) * C;
  const rowBase = rowBaseOf(s, scratch);
  const fromOne = ASC_FEATURE_SIMD && slidesFromOne(s), toOne = slidesToOne(s), wino = usesWinograd(s);
  if (!fromOne && !toOne && !wino) fillRowBase(s, ld, rowBase);   // the other kernels walk the rows themselves
  const work = winogradWorkOf(s, scratch);
  if (wino && n1 > n0) winogradKernel(C, OC, w, work, four);   // a thread given no images skips it
  const availH = inPlace ? s.H : paddedH(s), availW = inPlace ? s.W : paddedW(s);
  const run = s.KW * C;
  const segBytes = <usize>ld << 2;
  const sb = <usize>OC << 2;
  // Reads the upsampling's input while writing y, where the other paths copy the image first: safe, as in
  // inference a buffer only shares the place of one of the same size per sample, and y (H x W x 1) is
  // never the source's size (H/2 x W/2 x C, C a multiple of 8).
  const toOneUp2 = ASC_FEATURE_SIMD && toOne && readsUpsampled2(s, up);
  if (toOneUp2) zeroFloats(xpOf(s, scratch), s.W / 2 * C);   // the zero row the padding rows read
  for (let n = n0; n < n1; n++) {
    const yn = y + (<usize>(n * M * OC) << 2);
    if (toOneUp2) {   // the last layer after a 2x2 upsampling: read the source image itself
      forwardToOne3Up2(s, up, n, xpOf(s, scratch), w, yn, partOf(s, scratch));
      biasAndActivation(yn, M, 1, b, act);
      continue;
    }
    const src = imageSource(s, x, n, up, inPlace, scratch);
    if (wino) {
      const mode = ASC_FEATURE_SIMD && b != 0 ? (act == ACT_RELU ? BIAS_RELU : act == ACT_LINEAR ? BIAS : STORE) : STORE;
      winogradConv3(s.OH, s.OW, C, OC, src, ld, availH, availW, yn, mode, b, work, four);
      if (mode == STORE) biasAndActivation(yn, M, OC, b, act);
    } else if (fromOne) {   // a 1-channel input (the first layer of a grayscale denoiser): the tiles' bits
      slidingRows3(s.OH, s.OW, s.KH, src, <usize>ld << 2, w, OC, yn);
      biasAndActivation(yn, M, OC, b, act);
    } else if (toOne) {   // a 1-channel output (its last layer)
      if (ASC_FEATURE_SIMD) forwardToOne3(s, src, ld, w, yn, partOf(s, scratch));
      else forwardToOneScalar3(s, src, ld, w, yn);
      biasAndActivation(yn, M, 1, b, act);
    } else if (ASC_FEATURE_SIMD && b != 0) {
      // ReLU and linear outputs get their bias (and ReLU) in the tiles' epilogue; the rest afterwards.
      const mode = act == ACT_RELU ? BIAS_RELU : act == ACT_LINEAR ? BIAS : STORE;
      const done = forwardSimd(M, OC, s.KH, run, segBytes, src, rowBase, w, sb, yn, mode, b);
      if (done < OC) biasActivationColumns(yn, M, OC, done, b, act);
    } else {   // the scalar build, or no bias (use_bias: false): the sums, then bias and activation
      if (ASC_FEATURE_SIMD) forwardSimd(M, OC, s.KH, run, segBytes, src, rowBase, w, sb, yn, STORE, 0);
      else forwardScalar(M, OC, s.KH, run, segBytes, src, rowBase, w, sb, yn);
      biasAndActivation(yn, M, OC, b, act);
    }
  }
}

// y = act(y + b) for M pixels of OC channels after a kernel that left the sums alone (b == 0: no bias).
@inline function biasAndActivation(y: usize, M: i32, OC: i32, b: usize, act: i32): void {
  if (b != 0) biasActivationForward(y, M, OC, b, act);
  else if (act != ACT_LINEAR) activationForward(y, y, M * OC, act);
}

// The conv with a 2x2, stride-2 max pool fused in: rowBase lists the output pixels block by block, each
// block's 4 pixels in the pool's window order, so one 4x8 tile covers one window and its epilogue writes
// the window's maximum (POOL_BIAS*). Needs OC % 8 == 0, even OH and OW, a bias, ReLU or linear: the host
// fuses only such layers (fusedPools in src/engine/graph.ts).
// Image n is always copied (or upsampled) into scratch before anything is written: the pooled output
// may share the input's place, sample n with sample n (planInferenceBuffers frees the conv's input
// before it places the pool's output), and so may a fused upsampling's input share the output's.
function conv2dForwardPooled(s: ConvShape, x: usize, w: usize, b: usize, act: i32, pooled: usize, argmax: usize,
                             n0: i32, n1: i32, scratch: usize, up: usize, four: bool): void {
  const OC = s.OC, C = s.C, PH = s.OH >> 1, PW = s.OW >> 1;
  const ld = paddedW(s) * C;
  const mode = act == ACT_RELU ? POOL_BIAS_RELU : POOL_BIAS;
  if (usesWinograd(s)) {
    const work = winogradWorkOf(s, scratch);
    if (n1 > n0) winogradKernel(C, OC, w, work, four);
    for (let n = n0; n < n1; n++) {
      const at = <usize>(n * PH * PW * OC) << 2;
      winogradConv3Pooled(s.OH, s.OW, C, OC, imageSource(s, x, n, up, false, scratch), ld, paddedH(s), paddedW(s),
                          pooled + at, mode, b, argmax == 0 ? 0 : argmax + at, work, four);
    }
    return;
  }
  const rowBase = rowBaseOf(s, scratch);
  let m = 0;
  for (let i = 0; i < PH; i++) {
    for (let j = 0; j < PW; j++) {
      for (let di = 0; di < 2; di++) {
        for (let dj = 0; dj < 2; dj++, m++) store<i32>(rowBase + (<usize>m << 2), ((2 * i + di) * s.SH * ld + (2 * j + dj) * s.SW * C) << 2);
      }
    }
  }
  const run = s.KW * C, segBytes = <usize>ld << 2, sb = <usize>OC << 2;
  const rowFloats = s.OW * OC;   // the unpooled output's row, where the winners' offsets point
  for (let n = n0; n < n1; n++) {
    const src = imageSource(s, x, n, up, false, scratch);
    const pn = pooled + (<usize>(n * PH * PW * OC) << 2);
    const an: usize = argmax == 0 ? 0 : argmax + (<usize>(n * PH * PW * OC) << 2);
    for (let oc = 0; oc < OC; oc += 8) {
      const wc = w + (<usize>oc << 2), bc = b + (<usize>oc << 2);
      let blk = 0;
      for (let i = 0; i < PH; i++) {
        for (let j = 0; j < PW; j++, blk++) {
          const q = blk << 2, at = <usize>(blk * OC + oc) << 2;
          const a0 = rowPtr(src, rowBase, q), a1 = rowPtr(src, rowBase, q + 1), a2 = rowPtr(src, rowBase, q + 2), a3 = rowPtr(src, rowBase, q + 3);
          // Inlined copies per mode, with and without the winners (in inference they would stay live through
          // the tile's loop): a constant mode leaves no branch in the epilogue.
          const first = (2 * i * s.OW + 2 * j) * OC + oc;
          if (mode == POOL_BIAS_RELU) {
            if (an == 0) tile4x8(s.KH, run, segBytes, 4, a0, a1, a2, a3, wc, sb, pn + at, 0, POOL_BIAS_RELU, bc);
            else tile4x8(s.KH, run, segBytes, 4, a0, a1, a2, a3, wc, sb, pn + at, 0, POOL_BIAS_RELU, bc, an + at, first, OC, rowFloats);
          } else if (an == 0) tile4x8(s.KH, run, segBytes, 4, a0, a1, a2, a3, wc, sb, pn + at, 0, POOL_BIAS, bc);
          else tile4x8(s.KH, run, segBytes, 4, a0, a1, a2, a3, wc, sb, pn + at, 0, POOL_BIAS, bc, an + at, first, OC, rowFloats);
        }
      }
    }
  }
}

// Where the tiles read image n: x itself (inPlace), or its padded copy in scratch, made from x or, for a
// fused upsampling (up != 0), from the upsampling's input.
@inline function imageSource(s: ConvShape, x: usize, n: i32, up: usize, inPlace: bool, scratch: usize): usize {
  const xp = xpOf(s, scratch);
  if (up != 0) {
    padUpsampled(s, up, n, xp);
    return xp;
  }
  const xn = x + (<usize>(n * s.H * s.W * s.C) << 2);
  if (inPlace) return xn;
  padImage(s, xn, xp);
  return xp;
}

/**
 * xp = padImage of image n of the nearest-neighbour upsampling (factors fh, fw) of the image at
 * load(up), read straight from it: x[ih][iw] = source[ih / fh][iw / fw] (the same values, never stored).
 * up: the op record's F_UP_X, F_UP_FH, F_UP_FW words.
 */
function padUpsampled(s: ConvShape, up: usize, n: i32, xp: usize): void {
  const fh = load<i32>(up, 4), fw = load<i32>(up, 8);
  const C = s.C, srcW = s.W / fw;
  const source = <usize>load<i32>(up) + (<usize>(n * (s.H / fh) * srcW * C) << 2);
  const HP = paddedH(s), WP = paddedW(s);
  const left = padLeftCols(s), inner = innerCols(s);
  const rowBytes = <usize>(WP * C) << 2, pixel = <usize>C << 2;
  const top = imageTop(s), bottom = imageBottom(s);
  if (top > 0) memory.fill(xp, 0, <usize>top * rowBytes);
  for (let hp = top; hp < bottom; hp++) {
    const row = xp + <usize>hp * rowBytes;
    const ih = hp - s.padTop;
    if (ih % fh != 0 && hp > top) {   // the same source row as the row above
      memory.copy(row, row - rowBytes, rowBytes);
      continue;
    }
    zeroFloats(row, left * C);
    const srow = source + <usize>(ih / fh) * <usize>(srcW * C) * 4;
    let d = row + (<usize>(left * C) << 2), sp = srow, j = 0, iw = 0;
    if (ASC_FEATURE_SIMD && fw == 2 && (C & 3) == 0) {   // the usual case: each source vector loaded once, stored twice
      for (; iw + 2 <= inner; iw += 2, d += 2 * pixel, sp += pixel) {
        for (let c: usize = 0; c < pixel; c += 16) {
          const v = v128.load(sp + c);
          v128.store(d + c, v);
          v128.store(d + pixel + c, v);
        }
      }
    }
    for (; iw < inner; iw++, d += pixel) {
      copyFloats(d, sp, C);
      if (++j == fw) { j = 0; sp += pixel; }
    }
    zeroFloats(d, (WP - left - inner) * C);
  }
  if (bottom < HP) memory.fill(xp + <usize>bottom * rowBytes, 0, <usize>(HP - bottom) * rowBytes);
}

@inline function rowPtr(src: usize, rowBase: usize, m: i32): usize {
  return src + <usize>load<i32>(rowBase + (<usize>m << 2));
}

function forwardScalar(M: i32, OC: i32, KH: i32, run: i32, segBytes: usize, src: usize, rowBase: usize,
                       w: usize, sb: usize, yn: usize): void {
  const OC4 = OC & ~3;
  for (let m = 0; m < M; m++) {
    const a = rowPtr(src, rowBase, m);
    for (let oc = 0; oc < OC4; oc++) {
      let acc: f32 = 0;
      for (let kh = 0; kh < KH; kh++) {
        const ak = a + <usize>kh * segBytes;
        const bk = w + <usize>(kh * run) * sb + (<usize>oc << 2);
        for (let j = 0; j < run; j++) acc = acc + load<f32>(ak + (<usize>j << 2)) * load<f32>(bk + <usize>j * sb);
      }
      store<f32>(yn + (<usize>(m * OC + oc) << 2), acc);
    }
    for (let oc = OC4; oc < OC; oc++) store<f32>(yn + (<usize>(m * OC + oc) << 2), dotRunsScalar(KH, run, segBytes, a, w + (<usize>oc << 2), sb));
  }
}

// Tiles of 4 output pixels (4 window pointers) x 8 or 4 channels; narrower remainders as dot products.
// The tiles apply `mode` (see gemm.ts) with bias b; returns how many leading channels got it (the narrow
// remainder, and every channel when mode is STORE, is left to the caller).
function forwardSimd(M: i32, OC: i32, KH: i32, run: i32, segBytes: usize, src: usize, rowBase: usize,
                     w: usize, sb: usize, yn: usize, mode: i32, b: usize): i32 {
  const M4 = M & ~3;
  const sc = <usize>OC << 2;
  let oc = 0;
  for (; oc + 8 <= OC; oc += 8) {
    const wc = w + (<usize>oc << 2), bc = b + (<usize>oc << 2);
    let m = 0;
    for (; m < M4; m += 4) {
      tile4x8(KH, run, segBytes, 4, rowPtr(src, rowBase, m), rowPtr(src, rowBase, m + 1), rowPtr(src, rowBase, m + 2),
              rowPtr(src, rowBase, m + 3), wc, sb, yn + <usize>m * sc + (<usize>oc << 2), sc, mode, bc);
    }
    for (; m < M; m++) tile1x8(KH, run, segBytes, 4, rowPtr(src, rowBase, m), wc, sb, yn + <usize>m * sc + (<usize>oc << 2), mode, bc);
  }
  for (; oc + 4 <= OC; oc += 4) {
    const wc = w + (<usize>oc << 2), bc = b + (<usize>oc << 2);
    let m = 0;
    for (; m < M4; m += 4) {
      tile4x4(KH, run, segBytes, 4, rowPtr(src, rowBase, m), rowPtr(src, rowBase, m + 1), rowPtr(src, rowBase, m + 2),
              rowPtr(src, rowBase, m + 3), wc, sb, yn + <usize>m * sc + (<usize>oc << 2), sc, mode, bc);
    }
    for (; m < M; m++) tile1x4(KH, run, segBytes, 4, rowPtr(src, rowBase, m), wc, sb, yn + <usize>m * sc + (<usize>oc << 2), mode, bc);
  }
  const done = mode == STORE ? 0 : oc;
  for (; oc < OC; oc++) {
    const wc = w + (<usize>oc << 2);
    let m = 0;
    if (sb == 4) {   // a single channel: its column of w is contiguous
      for (; m < M4; m += 4) {
        dotRuns4Column(KH, run, segBytes, rowPtr(src, rowBase, m), rowPtr(src, rowBase, m + 1), rowPtr(src, rowBase, m + 2),
                       rowPtr(src, rowBase, m + 3), wc, yn + <usize>m * sc, sc);
      }
    }
    for (; m < M4; m += 4) {
      dotRuns4Simd(KH, run, segBytes, rowPtr(src, rowBase, m), rowPtr(src, rowBase, m + 1), rowPtr(src, rowBase, m + 2),
                   rowPtr(src, rowBase, m + 3), wc, sb, yn + <usize>m * sc + (<usize>oc << 2), sc);
    }
    for (; m < M; m++) store<f32>(yn + <usize>m * sc + (<usize>oc << 2), dotRunsSimd(KH, run, segBytes, rowPtr(src, rowBase, m), wc, sb));
  }
  return done;
}

// y[oh][ow] = Σ_kh Σ_kw Σ_c A(oh*SH + kh, ow + kw, c) w[kh][kw][c] for slidesToOne shapes (a 1-channel
// output, 3-wide kernel, unit column stride, input channels in 8s, 8 or more output columns): the last
// layer of a grayscale denoiser, whose single output channel leaves the 4x8 tiles idle. src: the padded
// image, rows ld floats. One pass per kernel row and 8 input channels: each input pixel's 2 vectors are
// loaded once and meet the 3 outputs they reach (kw = 0, 1, 2), whose 4-lane accumulators slide along
// the row with the pass's 6 weight vectors in registers; between passes the partial sums wait in part
// (OW vectors). Lane l sums the channels c = l (mod 4) in the order kh, then groups of 8 channels, then
// kw, then the group's two vectors; then the lanes fold as everywhere ((l0 + l2) + (l1 + l3)), plus 0
// as the dot products' empty tail (a -0 sum becomes +0). forwardToOneScalar3 is the twin. (With 8
// channels this is the order and the bits of the dot products it replaces, dotRuns4Column.)
function forwardToOne3(s: ConvShape, src: usize, ld: i32, w: usize, y: usize, part: usize): void {
  toOneRows(s, src, ld, 0, 0, w, y, part, false);
}

/**
 * Does forwardToOne3Up2 apply: a fused 2x2 nearest upsampling (up != 0) feeding a 3x3 'same' conv (one
 * zero row and column around the upsampled image, output its size)?
 */
@inline function readsUpsampled2(s: ConvShape, up: usize): bool {
  return up != 0 && load<i32>(up, 4) == 2 && load<i32>(up, 8) == 2 && s.KH == 3 && s.SH == 1 && s.padTop == 1 && s.padLeft == 1 &&
         s.OH == s.H && s.OW == s.W && (s.H & 1) == 0 && (s.W & 1) == 0;
}

// forwardToOne3 over the padded 2x2 upsampling of image n at load(up) without building it: padded row r
// is the zero row or source row (r - 1) / 2 (upsampledRow), and padded pixel q of a row is zero (q = 0
// or OW + 1) or source pixel (q - 1) / 2, whose vectors serve two q in turn. The same terms in the same
// order as forwardToOne3 on padUpsampled's copy (the zeros included): the same bits.
function forwardToOne3Up2(s: ConvShape, up: usize, n: i32, zeroRow: usize, w: usize, y: usize, part: usize): void {
  const srcRowBytes = <usize>(s.OW >> 1) * (<usize>s.C << 2);
  toOneRows(s, <usize>load<i32>(up) + <usize>(n * (s.H >> 1)) * srcRowBytes, 0, srcRowBytes, zeroRow, w, y, part, true);
}

/** Padded row r of the 2x2 upsampling of `source` (rows srcRowBytes apart), one zero row around it. */
@inline function upsampledRow(s: ConvShape, source: usize, srcRowBytes: usize, zeroRow: usize, r: i32): usize {
  return r == 0 || r > s.H ? zeroRow : source + <usize>((r - 1) >> 1) * srcRowBytes;
}

// forwardToOne3's passes over the rows of src: the padded image (rows ld floats), or, up, the source of a
// 2x2 upsampling (see forwardToOne3Up2).
@inline function toOneRows(s: ConvShape, src: usize, ld: i32, srcRowBytes: usize, zeroRow: usize, w: usize, y: usize, part: usize, up: bool): void {
  const C = s.C, OW = s.OW, groups = C >> 3, pixel = <usize>C << 2;
  for (let oh = 0; oh < s.OH; oh++) {
    const yRow = y + (<usize>(oh * OW) << 2);
    for (let kh = 0; kh < s.KH; kh++) {
      const aRow = up ? upsampledRow(s, src, srcRowBytes, zeroRow, oh + kh) : src + (<usize>((oh * s.SH + kh) * ld) << 2);
      for (let g = 0; g < groups; g++) {
        const a = aRow + (<usize>g << 5), wk = w + <usize>(kh * 3) * pixel + (<usize>g << 5);
        const first = kh == 0 && g == 0, last = kh == s.KH - 1 && g == groups - 1;
        // Four copies, so that no pass tests where its sums start or end inside its loop.
        if (first && last) toOnePass(a, pixel, wk, part, yRow, OW, true, true, up);
        else if (first) toOnePass(a, pixel, wk, part, yRow, OW, true, false, up);
        else if (last) toOnePass(a, pixel, wk, part, yRow, OW, false, true, up);
        else toOnePass(a, pixel, wk, part, yRow, OW, false, false, up);
      }
    }
  }
}

// One pass of forwardToOne3 over a row: input pixels q = 0 .. OW + 1 (a: pixel 0's first channel of the
// group, wk: tap kw = 0 of the kernel row), outputs q (vnew), q - 1 (vmid), q - 2 (vold) open. first: the
// sums start at 0 (else from part); last: each output's lanes fold into y (else back into part). up: a
// row of a 2x2 upsampling's source, q = 0 and OW + 1 zeros, q = 2p + 1 and 2p + 2 its pixel p (OW even).
@inline function toOnePass(a: usize, pixel: usize, wk: usize, part: usize, y: usize, OW: i32, first: bool, last: bool, up: bool): void {
  const vw0a = v128.load(wk), vw0b = v128.load(wk, 16);
  const vw1a = v128.load(wk + pixel), vw1b = v128.load(wk + pixel, 16);
  const vw2a = v128.load(wk + 2 * pixel), vw2b = v128.load(wk + 2 * pixel, 16);
  const zero = f32x4.splat(0);
  let ap = a, pq = part, yq = y;   // pq, yq: output q - 2's partial and result
  // q = 0, 1
  let va = up ? zero : v128.load(ap), vb = up ? zero : v128.load(ap, 16);
  let vmid = madd(vb, vw0b, madd(va, vw0a, first ? zero : v128.load(pq)));
  if (!up) ap += pixel;
  va = v128.load(ap); vb = v128.load(ap, 16);
  let vold = madd(vb, vw1b, madd(va, vw1a, vmid));
  vmid = madd(vb, vw0b, madd(va, vw0a, first ? zero : v128.load(pq, 16)));
  // q = 2 .. OW - 1: output q - 2 is complete for this pass (up: an odd q brings the next pixel)
  for (let q = 2; q < OW; q++) {
    if (!up || (q & 1)) { ap += pixel; va = v128.load(ap); vb = v128.load(ap, 16); }
    const vdone = madd(vb, vw2b, madd(va, vw2a, vold));
    if (last) { store<f32>(yq, foldLanes(vdone) + <f32>0); yq += 4; } else v128.store(pq, vdone);
    vold = madd(vb, vw1b, madd(va, vw1a, vmid));
    vmid = madd(vb, vw0b, madd(va, vw0a, first ? zero : v128.load(pq, 32)));
    pq += 16;
  }
  // q = OW, OW + 1: outputs OW - 2 and OW - 1 take their last taps.
  if (!up) { ap += pixel; va = v128.load(ap); vb = v128.load(ap, 16); }
  const vdone0 = madd(vb, vw2b, madd(va, vw2a, vold));
  vold = madd(vb, vw1b, madd(va, vw1a, vmid));
  if (up) { va = zero; vb = zero; } else { ap += pixel; va = v128.load(ap); vb = v128.load(ap, 16); }
  const vdone1 = madd(vb, vw2b, madd(va, vw2a, vold));
  if (last) { store<f32>(yq, foldLanes(vdone0) + <f32>0); store<f32>(yq, foldLanes(vdone1) + <f32>0, 4); }
  else { v128.store(pq, vdone0); v128.store(pq, vdone1, 16); }
}

/**
 * forwardSimd (STORE, C % 8 == 0) for one stride phase, written straight into its places in dx instead of
 * a phase buffer copied out after: phase pixel (th, tw), row th * nw + tw of rowBase, goes to y + th * sh
 * + tw * sw. The 4x8 tiles take 4 pixels of a phase row (4 rows sw apart); the columns past the last
 * multiple of 4 take 4 pixels of a phase column (sh apart), and the corner left 1x8 tiles. A pixel's sums
 * do not depend on its tile (forwardSimd's note): the bits of the phase buffer's.
 */
function phaseForwardSimd(nh: i32, nw: i32, C: i32, KH: i32, run: i32, segBytes: usize, src: usize, rowBase: usize,
                          w: usize, y: usize, sh: usize, sw: usize): void {
  const sb = <usize>C << 2, nw4 = nw & ~3, nh4 = nh & ~3;
  for (let oc = 0; oc < C; oc += 8) {
    const wc = w + (<usize>oc << 2), yc = y + (<usize>oc << 2);
    for (let th = 0; th < nh; th++) {
      const m = th * nw, yr = yc + <usize>th * sh;
      for (let tw = 0; tw < nw4; tw += 4) {
        tile4x8(KH, run, segBytes, 4, rowPtr(src, rowBase, m + tw), rowPtr(src, rowBase, m + tw + 1), rowPtr(src, rowBase, m + tw + 2),
                rowPtr(src, rowBase, m + tw + 3), wc, sb, yr + <usize>tw * sw, sw, STORE, 0);
      }
    }
    for (let tw = nw4; tw < nw; tw++) {
      const yt = yc + <usize>tw * sw;
      let th = 0;
      for (; th < nh4; th += 4) {
        tile4x8(KH, run, segBytes, 4, rowPtr(src, rowBase, th * nw + tw), rowPtr(src, rowBase, (th + 1) * nw + tw),
                rowPtr(src, rowBase, (th + 2) * nw + tw), rowPtr(src, rowBase, (th + 3) * nw + tw), wc, sb, yt + <usize>th * sh, sh, STORE, 0);
      }
      for (; th < nh; th++) tile1x8(KH, run, segBytes, 4, rowPtr(src, rowBase, th * nw + tw), wc, sb, yt + <usize>th * sh, STORE, 0);
    }
  }
}

/** Scalar twin of forwardToOne3: the same 4 lane sums, terms in the same order, the same fold. */
function forwardToOneScalar3(s: ConvShape, src: usize, ld: i32, w: usize, y: usize): void {
  const C = s.C, OW = s.OW, groups = C >> 3;
  for (let oh = 0; oh < s.OH; oh++) {
    for (let ow = 0; ow < OW; ow++) {
      let l0: f32 = 0, l1: f32 = 0, l2: f32 = 0, l3: f32 = 0;
      for (let kh = 0; kh < s.KH; kh++) {
        for (let g = 0; g < groups; g++) {
          for (let kw = 0; kw < 3; kw++) {
            for (let half = 0; half < 2; half++) {
              const c = (g << 3) + (half << 2);
              const p = src + (<usize>((oh * s.SH + kh) * ld + (ow + kw) * C + c) << 2);
              const q = w + (<usize>((kh * 3 + kw) * C + c) << 2);
              l0 = l0 + load<f32>(p) * load<f32>(q);
              l1 = l1 + load<f32>(p, 4) * load<f32>(q, 4);
              l2 = l2 + load<f32>(p, 8) * load<f32>(q, 8);
              l3 = l3 + load<f32>(p, 12) * load<f32>(q, 12);
            }
          }
        }
      }
      store<f32>(y + (<usize>(oh * OW + ow) << 2), ((l0 + l2) + (l1 + l3)) + <f32>0);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Backward, given dz = dL/d(pre-activation) (the caller applied act'):
//   dW[k][oc] += Σ_m A(m; k) dz[m][oc]    db[oc] += Σ_m dz[m][oc]    (this chunk's partials)
//   dx = the adjoint of the convolution applied to dz, by stride phases (skipped when dx == 0)

/**
 * Backward for images n0..n1 into this chunk's partials dw/db (db == 0: no bias) and into dx. relu != 0
 * (with a bias): dz still holds dL/dy of a ReLU layer whose output is at relu; ReLU' is applied image by
 * image in the bias-gradient pass (see biasGradient) instead of in a pass of its own. up: as in
 * conv2dForward (x is the upsampling of that input, read through it again).
 */
export function conv2dBackward(s: ConvShape, x: usize, w: usize, dz: usize, dx: usize, dw: usize, db: usize,
                               n0: i32, n1: i32, scratch: usize, relu: usize, up: usize = 0): void {
  conv2dWeightGrad(s, x, dz, dw, db, n0, n1, scratch, relu, up);
  if (dx != 0) conv2dInputGrad(s, w, dz, dx, n0, n1, scratch);
}

/**
 * db += Σ_m dz[m] over M pixels of OC channels: per channel a running sum in m order (the same bits as
 * adding each pixel's row to db in turn), kept in a register. relu != 0: dz = dy where the ReLU output at
 * relu is positive, else 0, is written back first, in the same pass (activationBackward's values).
 */
function biasGradient(dz: usize, M: i32, OC: i32, db: usize, relu: usize): void {
  const sc = <usize>OC << 2;
  let oc = 0;
  if (ASC_FEATURE_SIMD) {
    // 16 channels per pass where there are: 4 independent sums, not one chain of dependent adds.
    for (; oc + 16 <= OC; oc += 16) {
      const o = <usize>oc << 2;
      if (relu != 0) biasGradient16(dz + o, M, sc, db + o, relu + o, true);
      else biasGradient16(dz + o, M, sc, db + o, 0, false);
    }
    const zero = f32x4.splat(0);
    for (; oc + 4 <= OC; oc += 4) {
      const o = <usize>oc << 2;
      let vacc = v128.load(db + o);
      let p = dz + o;
      if (relu != 0) {
        let q = relu + o;
        for (let m = 0; m < M; m++, p += sc, q += sc) {
          const v = v128.and(v128.load(p), f32x4.gt(v128.load(q), zero));
          v128.store(p, v);
          vacc = f32x4.add(vacc, v);
        }
      } else for (let m = 0; m < M; m++, p += sc) vacc = f32x4.add(vacc, v128.load(p));
      v128.store(db + o, vacc);
    }
  }
  for (; oc < OC; oc++) {
    const o = <usize>oc << 2;
    let acc = load<f32>(db + o);
    for (let m = 0; m < M; m++) {
      const p = dz + <usize>m * sc + o;
      let v = load<f32>(p);
      if (relu != 0) {
        v = load<f32>(relu + <usize>m * sc + o) > 0 ? v : 0;
        store<f32>(p, v);
      }
      acc = acc + v;
    }
    store<f32>(db + o, acc);
  }
}

// biasGradient for 16 channels (dz, db, relu at their first): each channel's sum in m order, as above.
@inline function biasGradient16(dz: usize, M: i32, sc: usize, db: usize, relu: usize, applyRelu: bool): void {
  const zero = f32x4.splat(0);
  let vacc0 = v128.load(db), vacc1 = v128.load(db, 16), vacc2 = v128.load(db, 32), vacc3 = v128.load(db, 48);
  let p = dz, q = relu;
  for (let m = 0; m < M; m++, p += sc) {
    let v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
    if (applyRelu) {
      v0 = v128.and(v0, f32x4.gt(v128.load(q), zero));
      v1 = v128.and(v1, f32x4.gt(v128.load(q, 16), zero));
      v2 = v128.and(v2, f32x4.gt(v128.load(q, 32), zero));
      v3 = v128.and(v3, f32x4.gt(v128.load(q, 48), zero));
      v128.store(p, v0); v128.store(p, v1, 16); v128.store(p, v2, 32); v128.store(p, v3, 48);
      q += sc;
    }
    vacc0 = f32x4.add(vacc0, v0); vacc1 = f32x4.add(vacc1, v1); vacc2 = f32x4.add(vacc2, v2); vacc3 = f32x4.add(vacc3, v3);
  }
  v128.store(db, vacc0); v128.store(db, vacc1, 16); v128.store(db, vacc2, 32); v128.store(db, vacc3, 48);
}

/**
 * dW += Σ_m A(m; k) dz[m] (A: windows of x) and db += Σ_m dz[m] (unless db == 0), images n0..n1; relu
 * and up: see conv2dBackward (relu needs db).
 */
export function conv2dWeightGrad(s: ConvShape, x: usize, dz: usize, dw: usize, db: usize, n0: i32, n1: i32, scratch: usize, relu: usize,
                                 up: usize = 0): void {
  const M = s.OH * s.OW, OC = s.OC, C = s.C;
  const inPlace = readsInPlace(s) && up == 0;
  const ld = inPlace ? s.W * C : paddedW(s) * C;
  const rowBase = rowBaseOf(s, scratch);
  fillRowBase(s, ld, rowBase);
  const run = s.KW * C;
  const toOneUp2 = ASC_FEATURE_SIMD && toOneChannel3(s) && readsUpsampled2(s, up);
  if (toOneUp2) zeroFloats(xpOf(s, scratch), s.W / 2 * C);   // the zero row the padding rows read
  for (let n = n0; n < n1; n++) {
    const dzn = dz + (<usize>(n * M * OC) << 2);
    if (db != 0) biasGradient(dzn, M, OC, db, relu == 0 ? 0 : relu + (<usize>(n * M * OC) << 2));
    if (toOneUp2) {   // the last layer after a 2x2 upsampling: read the source image itself
      wgradToOneChannel3Up2(s, up, n, xpOf(s, scratch), dzn, dw);
      continue;
    }
    const src = imageSource(s, x, n, up, inPlace, scratch);
    if (ASC_FEATURE_SIMD && toOneChannel3(s)) wgradToOneChannel3(s, src, ld, dzn, dw);
    else if (ASC_FEATURE_SIMD && fromOneChannel3(s)) wgradFromOneChannel3(s, src, ld, dzn, dw);
    else if (ASC_FEATURE_SIMD) weightGradSimd(M, OC, s.KH, run, ld, src, rowBase, dzn, dw);
    else weightGradScalar(M, OC, s.KH, run, ld, src, rowBase, dzn, dw);
  }
}

/**
 * dx[n] = the adjoint of conv(·, w) applied to dz[n] (the input gradient; also Conv2DTranspose's
 * forward), images n0..n1: per stride phase (rh, rw) one stride-1 convolution of the zero-padded dz with
 * that phase's flipped sub-kernel, on the forward tiles.
 */
export function conv2dInputGrad(s: ConvShape, w: usize, dz: usize, dx: usize, n0: i32, n1: i32, scratch: usize): void {
  const C = s.C, OC = s.OC;
  const wT = wTOf(s, scratch), dzp = dzpOf(s, scratch);
  const JH = taps(s.KH, s.SH, 0), JW = taps(s.KW, s.SW, 0);
  const WPd = dzpW(s);
  const rowsIn = min(s.OH, dzpH(s) - JH + 1), colsIn = min(s.OW, WPd - JW + 1);   // dz rows/columns any phase reads
  flipPhaseKernels(s, w, wT);
  zeroFloats(dzp, dzpH(s) * WPd * OC);   // each image then rewrites the same interior
  const unitStride = s.SH == 1 && s.SW == 1, wino = usesWinograd(s), work = winogradWorkOf(s, scratch);
  if (wino && n1 > n0) winogradKernel(OC, C, wT, work, false);   // the flipped kernel (3, 3, OC, C): from OC channels to C
  for (let n = n0; n < n1; n++) {
    const dzn = dz + (<usize>(n * s.OH * s.OW * OC) << 2);
    const dxn = dx + (<usize>(n * s.H * s.W * C) << 2);
    for (let oh = 0; oh < rowsIn; oh++) {
      copyRun(dzp + (<usize>(((oh + JH - 1) * WPd + JW - 1) * OC) << 2), dzn + (<usize>(oh * s.OW * OC) << 2), colsIn * OC);
    }
    let wPhase = wT;
    for (let rh = 0; rh < s.SH; rh++) {
      for (let rw = 0; rw < s.SW; rw++) {
        const jh = taps(s.KH, s.SH, rh), jw = taps(s.KW, s.SW, rw);
        const ih0 = firstOfPhase(s.SH, s.padTop, rh), iw0 = firstOfPhase(s.SW, s.padLeft, rw);
        const nh = phaseCount(s.H, s.SH, ih0), nw = phaseCount(s.W, s.SW, iw0);
        const wSub = wPhase;
        wPhase += <usize>(jh * jw * OC * C) << 2;
        if (nh == 0 || nw == 0) continue;
        // Phase pixels (th, tw) are consecutive rows m of a product with (jh, jw*OC) windows.
        const out = unitStride ? dxn : phaseOutOf(s, scratch);
        if (jh == 0 || jw == 0) zeroFloats(out, nh * nw * C);   // kernel smaller than the stride: no tap
        else {
          const top = (ih0 + s.padTop - rh) / s.SH + JH - jh, left = (iw0 + s.padLeft - rw) / s.SW + JW - jw;
          if (wino) {   // unit stride: the one phase is a 3x3 convolution of dzp from OC channels to C
            winogradConv3(nh, nw, OC, C, dzp + (<usize>((top * WPd + left) * OC) << 2), WPd * OC, dzpH(s) - top, WPd - left,
                          out, STORE, 0, work, false);
          } else if (ASC_FEATURE_SIMD && unitStride && OC == 1 && jw == 3 && (C & 7) == 0 && nw >= 2) {
            slidingRows3(nh, nw, jh, dzp + (<usize>(top * WPd + left) << 2), <usize>WPd << 2, wSub, C, out);
          } else {
            const rowBase = dxRowBaseOf(s, scratch);
            let m = 0;
            for (let th = 0; th < nh; th++) {
              for (let tw = 0; tw < nw; tw++, m++) store<i32>(rowBase + (<usize>m << 2), (((top + th) * WPd + left + tw) * OC) << 2);
            }
            const segBytes = <usize>(WPd * OC) << 2, sb = <usize>C << 2;
            if (ASC_FEATURE_SIMD && !unitStride && (C & 7) == 0) {   // straight into dx's strided places
              phaseForwardSimd(nh, nw, C, jh, jw * OC, segBytes, dzp, rowBase, wSub, dxn + (<usize>((ih0 * s.W + iw0) * C) << 2),
                               <usize>(s.SH * s.W * C) << 2, <usize>(s.SW * C) << 2);
              continue;
            }
            if (ASC_FEATURE_SIMD) forwardSimd(nh * nw, C, jh, jw * OC, segBytes, dzp, rowBase, wSub, sb, out, STORE, 0);
            else forwardScalar(nh * nw, C, jh, jw * OC, segBytes, dzp, rowBase, wSub, sb, out);
          }
        }
        if (unitStride) continue;
        for (let th = 0; th < nh; th++) {   // the phase's pixels into their places in dx
          for (let tw = 0; tw < nw; tw++) {
            copyFloats(dxn + (<usize>(((ih0 + th * s.SH) * s.W + iw0 + tw * s.SW) * C) << 2), out + (<usize>((th * nw + tw) * C) << 2), C);
          }
        }
      }
    }
  }
}

// y[t][w][oc] = Σ_kh Σ_kw a[t + kh][w + kw] w[kh][kw][oc]: a 1-channel image a (rows aRowBytes apart) through
// a KH x 3 kernel w (KH, 3, OC) at unit stride, nh x nw outputs of OC channels (OC % 8 == 0, nw >= 2): the
// input gradient of a 1-channel output layer, and the forward pass of a 1-channel input layer (the first
// of a grayscale denoiser, where no pool is fused: with one, the fused tiles measured as fast). One kernel
// row per pass, 8 channels at a time: each input value is broadcast once and meets the 3 outputs it
// reaches (kw = 0, 1, 2), whose accumulators slide along the row with that row's 6 weight vectors held
// in registers. Per output the terms come in forwardSimd's order (kh, then kw, from 0), the passes after
// the first continuing from y: the same bits. OC: this product's output channels (in the input gradient,
// the layer's input channels, as in forwardSimd's input-gradient calls).
function slidingRows3(nh: i32, nw: i32, KH: i32, a: usize, aRowBytes: usize, w: usize, OC: i32, y: usize): void {
  const pixel = <usize>OC << 2, rowBytes = <usize>nw * pixel;   // pixel: also one tap's weights in w
  for (let oc = 0; oc < OC; oc += 8) {
    for (let kh = 0; kh < KH; kh++) {
      const wk = w + <usize>(kh * 3) * pixel + (<usize>oc << 2);
      for (let t = 0; t < nh; t++) {
        const ap = a + <usize>(t + kh) * aRowBytes, yq = y + <usize>t * rowBytes + (<usize>oc << 2);
        // Two copies, so that the loop does not test where its sums start.
        if (kh == 0) slidingRowPass(ap, yq, nw, pixel, wk, true);
        else slidingRowPass(ap, yq, nw, pixel, wk, false);
      }
    }
  }
}

// One row of slidingRows3 for one kernel row (wk: its tap kw = 0): outputs q (vnew), q - 1 (vmid) and
// q - 2 (vold) open, each started from 0 (first) or from the previous passes' sum in y.
@inline function slidingRowPass(ap: usize, y: usize, nw: i32, pixel: usize, wk: usize, first: bool): void {
  const vw0x0123 = v128.load(wk), vw0x4567 = v128.load(wk, 16);
  const vw1x0123 = v128.load(wk + pixel), vw1x4567 = v128.load(wk + pixel, 16);
  const vw2x0123 = v128.load(wk + 2 * pixel), vw2x4567 = v128.load(wk + 2 * pixel, 16);
  let yq = y, yd = y;   // output q's place, and q - 2's (complete when q's input arrives)
  let va = v128.load32_splat(ap);
  let vmid0123 = madd(va, vw0x0123, first ? f32x4.splat(0) : v128.load(yq));
  let vmid4567 = madd(va, vw0x4567, first ? f32x4.splat(0) : v128.load(yq, 16));
  ap += 4; yq += pixel;
  va = v128.load32_splat(ap);
  let vold0123 = madd(va, vw1x0123, vmid0123), vold4567 = madd(va, vw1x4567, vmid4567);
  vmid0123 = madd(va, vw0x0123, first ? f32x4.splat(0) : v128.load(yq));
  vmid4567 = madd(va, vw0x4567, first ? f32x4.splat(0) : v128.load(yq, 16));
  for (let q = 2; q < nw; q++) {
    ap += 4; yq += pixel;
    va = v128.load32_splat(ap);
    v128.store(yd, madd(va, vw2x0123, vold0123));
    v128.store(yd, madd(va, vw2x4567, vold4567), 16);
    yd += pixel;
    vold0123 = madd(va, vw1x0123, vmid0123); vold4567 = madd(va, vw1x4567, vmid4567);
    vmid0123 = madd(va, vw0x0123, first ? f32x4.splat(0) : v128.load(yq));
    vmid4567 = madd(va, vw0x4567, first ? f32x4.splat(0) : v128.load(yq, 16));
  }
  // q = nw, nw + 1: outputs nw - 2 and nw - 1 take their last taps.
  ap += 4;
  va = v128.load32_splat(ap);
  v128.store(yd, madd(va, vw2x0123, vold0123));
  v128.store(yd, madd(va, vw2x4567, vold4567), 16);
  yd += pixel;
  vold0123 = madd(va, vw1x0123, vmid0123); vold4567 = madd(va, vw1x4567, vmid4567);
  ap += 4;
  va = v128.load32_splat(ap);
  v128.store(yd, madd(va, vw2x0123, vold0123));
  v128.store(yd, madd(va, vw2x4567, vold4567), 16);
}

// wT = each phase's sub-kernel in turn, (jh, jw, OC, C), flipped in space: phase (rh, rw) tap (a, b) is
// w[rh + (jh-1-a)*SH][rw + (jw-1-b)*SW][c][oc]. At unit stride: the whole kernel flipped, channels swapped.
function flipPhaseKernels(s: ConvShape, w: usize, wT: usize): void {
  const C = s.C, OC = s.OC;
  let at = 0;
  for (let rh = 0; rh < s.SH; rh++) {
    for (let rw = 0; rw < s.SW; rw++) {
      const jh = taps(s.KH, s.SH, rh), jw = taps(s.KW, s.SW, rw);
      for (let a = 0; a < jh; a++) {
        for (let b = 0; b < jw; b++) {
          const kh = rh + (jh - 1 - a) * s.SH, kw = rw + (jw - 1 - b) * s.SW;
          for (let oc = 0; oc < OC; oc++) {
            for (let c = 0; c < C; c++, at++) {
              store<f32>(wT + (<usize>at << 2), load<f32>(w + (<usize>(((kh * s.KW + kw) * C + c) * OC + oc) << 2)));
            }
          }
        }
      }
    }
  }
}

// dW row k = (kh, j) reads A at rowBase[m] + kh*ld + j for every pixel m.
@inline function colOffset(k: i32, run: i32, ld: i32): usize {
  return <usize>((k / run) * ld + k % run) << 2;
}

function weightGradScalar(M: i32, OC: i32, KH: i32, run: i32, ld: i32, src: usize, rowBase: usize, dzn: usize, dw: usize): void {
  const K = KH * run;
  for (let k = 0; k < K; k++) {
    const off = colOffset(k, run, ld);
    for (let oc = 0; oc < OC; oc++) {
      let acc: f32 = 0;
      for (let m = 0; m < M; m++) acc = acc + load<f32>(rowPtr(src, rowBase, m) + off) * load<f32>(dzn + (<usize>(m * OC + oc) << 2));
      const p = dw + (<usize>(k * OC + oc) << 2);
      store<f32>(p, load<f32>(p) + acc);
    }
  }
}

function weightGradSimd(M: i32, OC: i32, KH: i32, run: i32, ld: i32, src: usize, rowBase: usize, dzn: usize, dw: usize): void {
  const K = KH * run;
  const OC4 = OC & ~3;
  const sc = <usize>OC << 2;
  // Channel panels of 8 and 4: tiles of 4 kernel rows, then single rows.
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const o0 = colOffset(k, run, ld), o1 = colOffset(k + 1, run, ld), o2 = colOffset(k + 2, run, ld), o3 = colOffset(k + 3, run, ld);
    let oc = 0;
    for (; oc + 8 <= OC; oc += 8) wgradTile4x8(M, src, rowBase, o0, o1, o2, o3, dzn + (<usize>oc << 2), sc, dw + <usize>k * sc + (<usize>oc << 2), sc);
    for (; oc + 4 <= OC; oc += 4) wgradTile4x4(M, src, rowBase, o0, o1, o2, o3, dzn + (<usize>oc << 2), sc, dw + <usize>k * sc + (<usize>oc << 2), sc);
  }
  for (; k < K; k++) {
    const off = colOffset(k, run, ld);
    let oc = 0;
    for (; oc + 16 <= OC; oc += 16) wgradRow1x16(M, src, rowBase, off, dzn + (<usize>oc << 2), sc, dw + <usize>k * sc + (<usize>oc << 2));
    for (; oc < OC4; oc += 4) wgradRow1x4(M, src, rowBase, off, dzn + (<usize>oc << 2), sc, dw + <usize>k * sc + (<usize>oc << 2));
  }
  // Narrow channels (OC % 4): kernel rows as vector lanes, 16 at a time where they share a run.
  for (let oc = OC4; oc < OC; oc++) {
    const dzc = dzn + (<usize>oc << 2), dwc = dw + (<usize>oc << 2);
    let k = 0;
    for (; k + 16 <= K; k += 16) {
      if (k / run == (k + 15) / run) {
        wgradColumn16(M, src, rowBase, colOffset(k, run, ld), dzc, sc, dwc + <usize>k * sc, sc);
        continue;
      }
      for (let q = k; q < k + 16; q += 4) wgradColumn4(M, src, rowBase, colOffset(q, run, ld), colOffset(q + 1, run, ld),
                                                         colOffset(q + 2, run, ld), colOffset(q + 3, run, ld), dzc, sc, dwc + <usize>q * sc, sc);
    }
    for (; k + 4 <= K; k += 4) wgradColumn4(M, src, rowBase, colOffset(k, run, ld), colOffset(k + 1, run, ld),
                                            colOffset(k + 2, run, ld), colOffset(k + 3, run, ld), dzc, sc, dwc + <usize>k * sc, sc);
    for (; k < K; k++) {
      const off = colOffset(k, run, ld);
      let acc: f32 = 0;
      for (let m = 0; m < M; m++) acc = acc + load<f32>(rowPtr(src, rowBase, m) + off) * load<f32>(dzc + <usize>m * sc);
      const p = dwc + <usize>k * sc;
      store<f32>(p, load<f32>(p) + acc);
    }
  }
}

// Weight gradients that slide along the rows of a 3-wide kernel at unit column stride, for the 1-channel
// ends of a grayscale denoiser, where weightGradSimd's tiles are narrow: a 1-channel output (its last
// layer; input channels in 8s, at least 2 output columns) and a 1-channel input (its first; output
// channels in 8s).
@inline function toOneChannel3(s: ConvShape): bool {
  return s.OC == 1 && s.KW == 3 && s.SW == 1 && (s.C & 7) == 0 && s.OW >= 2;
}
@inline function fromOneChannel3(s: ConvShape): bool {
  return s.C == 1 && s.KW == 3 && s.SW == 1 && (s.OC & 7) == 0;
}
/** Where conv2dForward takes forwardToOne3 (both builds: it sums in its own order); narrower rows keep the dot products. */
@inline function slidesToOne(s: ConvShape): bool { return toOneChannel3(s) && s.OW >= 8; }
/** Where conv2dForward (SIMD builds) takes slidingRows3, with the tiles' bits: unit strides, 2 or more columns. */
@inline function slidesFromOne(s: ConvShape): bool { return fromOneChannel3(s) && s.SH == 1 && s.OW >= 2; }

// dW[kh][kw][oc] += Σ_m x(m; kh, kw) dz[m][oc] (fromOneChannel3 shapes), 8 channels and one kernel row at
// a time: per output pixel its 2 vectors of dz and the 3 input values its window row holds (broadcasts
// sliding along the padded row, one new per pixel), 6 accumulators. Per accumulator the terms come in
// weightGradSimd's order (m ascending, from 0): the same bits.
function wgradFromOneChannel3(s: ConvShape, src: usize, ld: i32, dz: usize, dw: usize): void {
  const OC = s.OC, sdz = <usize>OC << 2;
  for (let oc = 0; oc < OC; oc += 8) {
    for (let kh = 0; kh < s.KH; kh++) {
      let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0);   // tap kw = 0, channels oc..oc+7
      let vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0);
      let vacc2x0123 = f32x4.splat(0), vacc2x4567 = f32x4.splat(0);
      let dzm = dz + (<usize>oc << 2);
      for (let oh = 0; oh < s.OH; oh++) {
        let p = src + (<usize>((oh * s.SH + kh) * ld) << 2);   // the window row's first input value
        let vx0 = v128.load32_splat(p), vx1 = v128.load32_splat(p, 4);
        for (let ow = 0; ow < s.OW; ow++, p += 4, dzm += sdz) {
          const vx2 = v128.load32_splat(p, 8);
          const vdz0123 = v128.load(dzm), vdz4567 = v128.load(dzm, 16);
          vacc0x0123 = madd(vx0, vdz0123, vacc0x0123); vacc0x4567 = madd(vx0, vdz4567, vacc0x4567);
          vacc1x0123 = madd(vx1, vdz0123, vacc1x0123); vacc1x4567 = madd(vx1, vdz4567, vacc1x4567);
          vacc2x0123 = madd(vx2, vdz0123, vacc2x0123); vacc2x4567 = madd(vx2, vdz4567, vacc2x4567);
          vx0 = vx1;
          vx1 = vx2;
        }
      }
      const d = dw + (<usize>(kh * 3 * OC + oc) << 2);   // dW[kh][0][oc]; tap kw is sdz further per kw
      addVec(d, vacc0x0123);           addVec(d + 16, vacc0x4567);
      addVec(d + sdz, vacc1x0123);     addVec(d + sdz + 16, vacc1x4567);
      addVec(d + 2 * sdz, vacc2x0123); addVec(d + 2 * sdz + 16, vacc2x4567);
    }
  }
}

// dW[kh][kw][c] += Σ_m x(m; kh, kw, c) dz[m] (toOneChannel3 shapes), 8 channels and one kernel row at a time:
// each input pixel of a padded row is loaded once and meets the output pixels q, q - 1, q - 2 that
// reach it with taps kw = 0, 1, 2 (dz kept as 3 sliding broadcasts), 6 accumulators. Per accumulator
// the terms come in weightGradSimd's order (m ascending, from 0), so the bits are the same; the row's
// first and last two pixels reach fewer taps.
function wgradToOneChannel3(s: ConvShape, src: usize, ld: i32, dz: usize, dw: usize): void {
  wgradToOneRows(s, src, ld, 0, 0, dz, dw, false);
}

// wgradToOneChannel3 over the padded 2x2 upsampling of image n at load(up) (readsUpsampled2 shapes)
// without building it, as forwardToOne3Up2 reads it: the same terms in the same order, the zeros of
// the padding included, so the same bits.
function wgradToOneChannel3Up2(s: ConvShape, up: usize, n: i32, zeroRow: usize, dz: usize, dw: usize): void {
  const srcRowBytes = <usize>(s.OW >> 1) * (<usize>s.C << 2);
  wgradToOneRows(s, <usize>load<i32>(up) + <usize>(n * (s.H >> 1)) * srcRowBytes, 0, srcRowBytes, zeroRow, dz, dw, true);
}

// wgradToOneChannel3's rows of src: the padded image (rows ld floats), or, up, the source of a 2x2
// upsampling (upsampledRow; pixel q of a row: zero at q = 0 and OW + 1, else source pixel (q - 1) / 2).
@inline function wgradToOneRows(s: ConvShape, src: usize, ld: i32, srcRowBytes: usize, zeroRow: usize, dz: usize, dw: usize, up: bool): void {
  const C = s.C, OW = s.OW, pixel = <usize>C << 2;   // also the step from one tap kw of dW to the next
  const zero = f32x4.splat(0);
  for (let c = 0; c < C; c += 8) {
    for (let kh = 0; kh < s.KH; kh++) {
      let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0);   // tap kw = 0, channels c..c+7
      let vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0);
      let vacc2x0123 = f32x4.splat(0), vacc2x4567 = f32x4.splat(0);
      for (let oh = 0; oh < s.OH; oh++) {
        let p = (up ? upsampledRow(s, src, srcRowBytes, zeroRow, oh + kh) : src + (<usize>((oh * s.SH + kh) * ld) << 2)) + (<usize>c << 2);
        let dq = dz + (<usize>(oh * OW) << 2);
        // q = 0, 1: taps 0 (and 1)
        let vd0 = v128.load32_splat(dq), vx0 = up ? zero : v128.load(p), vx1 = up ? zero : v128.load(p, 16);
        vacc0x0123 = madd(vx0, vd0, vacc0x0123); vacc0x4567 = madd(vx1, vd0, vacc0x4567);
        let vd1 = vd0;
        if (!up) p += pixel;
        dq += 4;
        vd0 = v128.load32_splat(dq); vx0 = v128.load(p); vx1 = v128.load(p, 16);
        vacc0x0123 = madd(vx0, vd0, vacc0x0123); vacc0x4567 = madd(vx1, vd0, vacc0x4567);
        vacc1x0123 = madd(vx0, vd1, vacc1x0123); vacc1x4567 = madd(vx1, vd1, vacc1x4567);
        let vd2 = vd1;
        vd1 = vd0;
        // q = 2 .. OW - 1: all three taps (up: an odd q brings the next pixel)
        for (let q = 2; q < OW; q++) {
          dq += 4;
          if (!up || (q & 1)) { p += pixel; vx0 = v128.load(p); vx1 = v128.load(p, 16); }
          vd0 = v128.load32_splat(dq);
          vacc0x0123 = madd(vx0, vd0, vacc0x0123); vacc0x4567 = madd(vx1, vd0, vacc0x4567);
          vacc1x0123 = madd(vx0, vd1, vacc1x0123); vacc1x4567 = madd(vx1, vd1, vacc1x4567);
          vacc2x0123 = madd(vx0, vd2, vacc2x0123); vacc2x4567 = madd(vx1, vd2, vacc2x4567);
          vd2 = vd1;
          vd1 = vd0;
        }
        // q = OW, OW + 1: taps 1 and 2, then 2
        if (!up) { p += pixel; vx0 = v128.load(p); vx1 = v128.load(p, 16); }
        vacc1x0123 = madd(vx0, vd1, vacc1x0123); vacc1x4567 = madd(vx1, vd1, vacc1x4567);
        vacc2x0123 = madd(vx0, vd2, vacc2x0123); vacc2x4567 = madd(vx1, vd2, vacc2x4567);
        if (up) { vx0 = zero; vx1 = zero; } else { p += pixel; vx0 = v128.load(p); vx1 = v128.load(p, 16); }
        vacc2x0123 = madd(vx0, vd1, vacc2x0123); vacc2x4567 = madd(vx1, vd1, vacc2x4567);
      }
      const d = dw + (<usize>(kh * 3 * C + c) << 2);   // dW[kh][0][c]; tap kw is kw pixels further
      addVec(d, vacc0x0123);             addVec(d + 16, vacc0x4567);
      addVec(d + pixel, vacc1x0123);     addVec(d + pixel + 16, vacc1x4567);
      addVec(d + 2 * pixel, vacc2x0123); addVec(d + 2 * pixel + 16, vacc2x4567);
    }
  }
}

// One kernel row (offset off into every window) x 4 channels, reduced over all pixels m.
@inline function wgradRow1x4(M: i32, src: usize, rowBase: usize, off: usize, dz: usize, sdz: usize, c: usize): void {
  let vacc = f32x4.splat(0);
  let dzm = dz;
  for (let m = 0; m < M; m++) {
    vacc = madd(v128.load32_splat(rowPtr(src, rowBase, m) + off), v128.load(dzm), vacc);
    dzm += sdz;
  }
  addVec(c, vacc);
}

// One kernel row x 16 channels in one pass over the pixels (one broadcast of A for 4 vectors of dz).
@inline function wgradRow1x16(M: i32, src: usize, rowBase: usize, off: usize, dz: usize, sdz: usize, c: usize): void {
  let vacc0 = f32x4.splat(0), vacc1 = f32x4.splat(0), vacc2 = f32x4.splat(0), vacc3 = f32x4.splat(0);
  let dzm = dz;
  for (let m = 0; m < M; m++) {
    const va = v128.load32_splat(rowPtr(src, rowBase, m) + off);
    vacc0 = madd(va, v128.load(dzm), vacc0);
    vacc1 = madd(va, v128.load(dzm, 16), vacc1);
    vacc2 = madd(va, v128.load(dzm, 32), vacc2);
    vacc3 = madd(va, v128.load(dzm, 48), vacc3);
    dzm += sdz;
  }
  addVec(c, vacc0);
  addVec(c + 16, vacc1);
  addVec(c + 32, vacc2);
  addVec(c + 48, vacc3);
}

// One channel x 16 kernel rows that are contiguous in every window: 4 vectors of rows, one broadcast of dz.
@inline function wgradColumn16(M: i32, src: usize, rowBase: usize, o0: usize, dz: usize, sdz: usize, c: usize, sc: usize): void {
  let vacc0 = f32x4.splat(0), vacc1 = f32x4.splat(0), vacc2 = f32x4.splat(0), vacc3 = f32x4.splat(0);
  let dzm = dz;
  for (let m = 0; m < M; m++) {
    const a = rowPtr(src, rowBase, m) + o0;
    const vdz = v128.load32_splat(dzm);
    vacc0 = madd(v128.load(a), vdz, vacc0);
    vacc1 = madd(v128.load(a, 16), vdz, vacc1);
    vacc2 = madd(v128.load(a, 32), vdz, vacc2);
    vacc3 = madd(v128.load(a, 48), vdz, vacc3);
    dzm += sdz;
  }
  addLanes(c, sc, vacc0);
  addLanes(c + 4 * sc, sc, vacc1);
  addLanes(c + 8 * sc, sc, vacc2);
  addLanes(c + 12 * sc, sc, vacc3);
}

// c[r * sc] += lane r of v, r = 0..3.
@inline function addLanes(c: usize, sc: usize, v: v128): void {
  store<f32>(c, load<f32>(c) + f32x4.extract_lane(v, 0));
  store<f32>(c + sc, load<f32>(c + sc) + f32x4.extract_lane(v, 1));
  store<f32>(c + 2 * sc, load<f32>(c + 2 * sc) + f32x4.extract_lane(v, 2));
  store<f32>(c + 3 * sc, load<f32>(c + 3 * sc) + f32x4.extract_lane(v, 3));
}

// 4 kernel rows (offsets o0..o3 into every window) x 8 channels, reduced over all pixels m.
@inline function wgradTile4x8(M: i32, src: usize, rowBase: usize, o0: usize, o1: usize, o2: usize, o3: usize,
                              dz: usize, sdz: usize, c: usize, sc: usize): void {
  let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0);
  let vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0);
  let vacc2x0123 = f32x4.splat(0), vacc2x4567 = f32x4.splat(0);
  let vacc3x0123 = f32x4.splat(0), vacc3x4567 = f32x4.splat(0);
  let dzm = dz;
  // The 4 rows are usually neighbours in one run: then one address and constant offsets reach them
  // (two loops rather than a test inside one: fewer live registers in the common case).
  const contiguous = o1 == o0 + 4 && o2 == o0 + 8 && o3 == o0 + 12;
  const src0 = src + o0;
  if (contiguous) {
    for (let m = 0; m < M; m++) {
      const a0 = rowPtr(src0, rowBase, m);
      const vb0123 = v128.load(dzm);
      const vb4567 = v128.load(dzm, 16);
      let va = v128.load32_splat(a0);
      vacc0x0123 = madd(va, vb0123, vacc0x0123); vacc0x4567 = madd(va, vb4567, vacc0x4567);
      va = v128.load32_splat(a0, 4);
      vacc1x0123 = madd(va, vb0123, vacc1x0123); vacc1x4567 = madd(va, vb4567, vacc1x4567);
      va = v128.load32_splat(a0, 8);
      vacc2x0123 = madd(va, vb0123, vacc2x0123); vacc2x4567 = madd(va, vb4567, vacc2x4567);
      va = v128.load32_splat(a0, 12);
      vacc3x0123 = madd(va, vb0123, vacc3x0123); vacc3x4567 = madd(va, vb4567, vacc3x4567);
      dzm += sdz;
    }
  } else for (let m = 0; m < M; m++) {
    const a = rowPtr(src, rowBase, m);
    const vb0123 = v128.load(dzm);
    const vb4567 = v128.load(dzm, 16);
    const va0 = v128.load32_splat(a + o0);
    const va1 = v128.load32_splat(a + o1);
    const va2 = v128.load32_splat(a + o2);
    const va3 = v128.load32_splat(a + o3);
    vacc0x0123 = madd(va0, vb0123, vacc0x0123);
    vacc0x4567 = madd(va0, vb4567, vacc0x4567);
    vacc1x0123 = madd(va1, vb0123, vacc1x0123);
    vacc1x4567 = madd(va1, vb4567, vacc1x4567);
    vacc2x0123 = madd(va2, vb0123, vacc2x0123);
    vacc2x4567 = madd(va2, vb4567, vacc2x4567);
    vacc3x0123 = madd(va3, vb0123, vacc3x0123);
    vacc3x4567 = madd(va3, vb4567, vacc3x4567);
    dzm += sdz;
  }
  addVec(c, vacc0x0123);          addVec(c + 16, vacc0x4567);
  addVec(c + sc, vacc1x0123);     addVec(c + sc + 16, vacc1x4567);
  addVec(c + 2 * sc, vacc2x0123); addVec(c + 2 * sc + 16, vacc2x4567);
  addVec(c + 3 * sc, vacc3x0123); addVec(c + 3 * sc + 16, vacc3x4567);
}

@inline function wgradTile4x4(M: i32, src: usize, rowBase: usize, o0: usize, o1: usize, o2: usize, o3: usize,
                              dz: usize, sdz: usize, c: usize, sc: usize): void {
  let vacc0 = f32x4.splat(0), vacc1 = f32x4.splat(0), vacc2 = f32x4.splat(0), vacc3 = f32x4.splat(0);
  let dzm = dz;
  for (let m = 0; m < M; m++) {
    const a = rowPtr(src, rowBase, m);
    const vb = v128.load(dzm);
    vacc0 = madd(v128.load32_splat(a + o0), vb, vacc0);
    vacc1 = madd(v128.load32_splat(a + o1), vb, vacc1);
    vacc2 = madd(v128.load32_splat(a + o2), vb, vacc2);
    vacc3 = madd(v128.load32_splat(a + o3), vb, vacc3);
    dzm += sdz;
  }
  addVec(c, vacc0);
  addVec(c + sc, vacc1);
  addVec(c + 2 * sc, vacc2);
  addVec(c + 3 * sc, vacc3);
}

// One channel, 4 kernel rows in one vector (lane r = row k+r), gathered from each window.
@inline function wgradColumn4(M: i32, src: usize, rowBase: usize, o0: usize, o1: usize, o2: usize, o3: usize,
                              dz: usize, sdz: usize, c: usize, sc: usize): void {
  let vacc = f32x4.splat(0);
  let dzm = dz;
  const contiguous = o1 == o0 + 4 && o2 == o0 + 8 && o3 == o0 + 12;
  for (let m = 0; m < M; m++) {
    const a = rowPtr(src, rowBase, m);
    let va: v128;
    if (contiguous) va = v128.load(a + o0);
    else {
      va = v128.load32_splat(a + o0);
      va = f32x4.replace_lane(va, 1, load<f32>(a + o1));
      va = f32x4.replace_lane(va, 2, load<f32>(a + o2));
      va = f32x4.replace_lane(va, 3, load<f32>(a + o3));
    }
    vacc = madd(va, v128.load32_splat(dzm), vacc);
    dzm += sdz;
  }
  addLanes(c, sc, vacc);
}

@inline function addVec(p: usize, v: v128): void {
  v128.store(p, f32x4.add(v128.load(p), v));
}
