// A picture of a digit (a photo, a scan, the drawing pad) made into a 28x28 input the way MNIST's digits
// were made: ink found by an automatic threshold, cropped to the ink, scaled into a 20x20 box keeping its
// aspect ratio (with anti-aliasing), and moved so that its centre of mass is the centre of the 28x28 field.
// see: LeCun, Cortes, Burges, "The MNIST database of handwritten digits" (the preparation paragraph);
//      Otsu, "A threshold selection method from gray-level histograms", IEEE SMC 9(1), 1979.
//
// Photos need two steps before that: the polarity (dark ink on light paper is inverted to MNIST's light
// on dark) and uneven light (a background estimated from blocks is subtracted, so grey or shaded paper
// reads as no ink). Pure functions on Float32Array luminance in [0, 1], row-major W x H; no DOM.

const SIZE = 28, BOX = 20, CENTRE = (SIZE - 1) / 2;   // index coordinates: the field's centre is 13.5

/** Otsu's threshold over values in [0, max]: the cut that maximises the between-class variance. */
export function otsuThreshold(v, max = 1) {
  const BINS = 256, hist = new Float64Array(BINS);
  const scale = max > 0 ? (BINS - 1) / max : 0;
  for (let i = 0; i < v.length; i++) hist[Math.min(BINS - 1, Math.max(0, Math.round(v[i] * scale)))]++;
  let total = 0, sumAll = 0;
  for (let b = 0; b < BINS; b++) { total += hist[b]; sumAll += b * hist[b]; }
  let w0 = 0, sum0 = 0, best = -1, cut = 0;
  for (let b = 0; b < BINS - 1; b++) {
    w0 += hist[b]; sum0 += b * hist[b];
    const w1 = total - w0;
    if (w0 === 0 || w1 === 0) continue;
    const d = sum0 / w0 - (sumAll - sum0) / w1;
    const between = w0 * w1 * d * d;
    if (between > best) { best = between; cut = b; }
  }
  return (cut + 0.5) / scale;
}

/** The q-quantile of v's values in [0, 1] that are above `from`, from a 1024-bin histogram. */
function quantile(v, q, from = -1) {
  const BINS = 1024, hist = new Uint32Array(BINS);
  let n = 0;
  for (let i = 0; i < v.length; i++) if (v[i] > from) { hist[Math.min(BINS - 1, Math.floor(v[i] * BINS))]++; n++; }
  let seen = 0;
  for (let b = 0; b < BINS; b++) { seen += hist[b]; if (seen >= q * n) return (b + 0.5) / BINS; }
  return 1;
}

/**
 * The paper's own ink-ness under uneven light: the 25th percentile of each block of a grid about 8 blocks
 * across, fitted by a quadratic surface in (x, y) (light and shadow vary smoothly); blocks well above the
 * fit are mostly ink and are left out, and the fit repeated. On clean paper (or the pad) this is flat.
 */
function background(v, W, H) {
  const B = Math.max(4, Math.round(Math.max(W, H) / 8));
  const GX = Math.ceil(W / B), GY = Math.ceil(H / B);
  const blocks = [];   // [x, y, value] with x, y in [-1, 1]
  const cell = new Float32Array(B * B);
  for (let gy = 0; gy < GY; gy++) {
    for (let gx = 0; gx < GX; gx++) {
      let n = 0;
      for (let y = gy * B; y < Math.min(H, (gy + 1) * B); y++) for (let x = gx * B; x < Math.min(W, (gx + 1) * B); x++) cell[n++] = v[y * W + x];
      const part = cell.subarray(0, n).sort();
      const cx = Math.min(W, (gx + 0.5) * B) / W * 2 - 1, cy = Math.min(H, (gy + 0.5) * B) / H * 2 - 1;
      blocks.push([cx, cy, part[Math.floor(0.25 * (n - 1))]]);
    }
  }
  const terms = (x, y) => [1, x, y, x * x, x * y, y * y];
  let coef = [0, 0, 0, 0, 0, 0], kept = blocks;
  for (let round = 0; round < 4 && kept.length >= 6; round++) {
    coef = leastSquares(kept.map(([x, y]) => terms(x, y)), kept.map((b) => b[2])) ?? coef;
    const fit = (x, y) => terms(x, y).reduce((s, t, i) => s + t * coef[i], 0);
    const next = blocks.filter(([x, y, value]) => value - fit(x, y) < 0.05);
    if (next.length === kept.length) break;
    kept = next;
  }
  const bg = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const fy = ((y + 0.5) / H) * 2 - 1;
    for (let x = 0; x < W; x++) {
      const fx = ((x + 0.5) / W) * 2 - 1;
      bg[y * W + x] = coef[0] + coef[1] * fx + coef[2] * fy + coef[3] * fx * fx + coef[4] * fx * fy + coef[5] * fy * fy;
    }
  }
  return bg;
}

/** argmin |A c - b| by the normal equations and Gaussian elimination; null when singular. */
function leastSquares(A, b) {
  const k = A[0].length;
  const M = Array.from({ length: k }, (_, i) => {
    const row = new Array(k + 1).fill(0);
    for (let r = 0; r < A.length; r++) {
      for (let j = 0; j < k; j++) row[j] += A[r][i] * A[r][j];
      row[k] += A[r][i] * b[r];
    }
    return row;
  });
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    if (Math.abs(M[p][c]) < 1e-12) return null;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let j = c; j <= k; j++) M[r][j] -= f * M[c][j];
    }
  }
  return M.map((row, i) => row[k] / row[i]);
}

/**
 * Per source pixel along one axis, the output pixels it overlaps and by how much, for the map
 * out = (src - start) * s + offset: area (box) resampling, which anti-aliases when shrinking.
 */
function axisWeights(start, len, s, offset) {
  const taps = [];
  for (let i = 0; i < len; i++) {
    const a = i * s + offset, b = a + s;
    for (let o = Math.max(0, Math.floor(a)); o < Math.min(SIZE, Math.ceil(b)); o++) {
      const w = Math.min(b, o + 1) - Math.max(a, o);
      if (w > 0) taps.push(start + i, o, w);
    }
  }
  return taps;
}

/** The crop (x0, y0, bw, bh) of ink, scaled by s and shifted by (offX, offY), into a 28x28 field. */
function resample(ink, W, crop, s, offX, offY) {
  const { x0, y0, bw, bh } = crop;
  const tx = axisWeights(x0, bw, s, offX), ty = axisWeights(y0, bh, s, offY);
  const rows = new Float32Array(bh * SIZE);   // each source row resampled along x
  for (let y = 0; y < bh; y++) {
    const src = (y0 + y) * W;
    for (let t = 0; t < tx.length; t += 3) rows[y * SIZE + tx[t + 1]] += ink[src + tx[t]] * tx[t + 2];
  }
  const out = new Float32Array(SIZE * SIZE);
  for (let t = 0; t < ty.length; t += 3) {
    const y = ty[t] - y0, o = ty[t + 1], w = ty[t + 2];
    for (let x = 0; x < SIZE; x++) out[o * SIZE + x] += rows[y * SIZE + x] * w;
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, out[i]);
  return out;
}

/** Centre of mass (index coordinates) of a 28x28 image. */
export function centreOfMass(img) {
  let m = 0, mx = 0, my = 0;
  for (let i = 0; i < img.length; i++) { m += img[i]; mx += img[i] * (i % SIZE); my += img[i] * Math.floor(i / SIZE); }
  return m > 0 ? { x: mx / m, y: my / m, mass: m } : { x: CENTRE, y: CENTRE, mass: 0 };
}

/**
 * luminance (W x H, [0, 1]) -> { digit: Float32Array(784) in [0, 1], inverted, crop }, or null when the
 * picture holds no ink (one flat colour).
 */
export function prepareDigit(luminance, W, H) {
  const n = W * H;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) { lo = Math.min(lo, luminance[i]); hi = Math.max(hi, luminance[i]); }
  if (!(hi - lo > 0.08)) return null;
  // Polarity: the paper is most of the picture, so the median is paper; paper brighter than halfway
  // between the darkest and brightest 1% means dark ink on light paper, which is inverted. (A global
  // cut would split shaded paper into two halves instead.)
  const inverted = quantile(luminance, 0.5) > (quantile(luminance, 0.01) + quantile(luminance, 0.99)) / 2;
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = inverted ? 1 - luminance[i] : luminance[i];
  // Uneven light: subtract the paper's own level, then stretch from half Otsu's cut (faint edges kept,
  // paper grain dropped) to the ink's 95th percentile.
  const bg = background(v, W, H);
  let vmax = 0;
  for (let i = 0; i < n; i++) { v[i] = Math.max(0, v[i] - bg[i]); vmax = Math.max(vmax, v[i]); }
  if (vmax < 0.05) return null;
  const cut = otsuThreshold(v, vmax);
  const floor = cut / 2, top = Math.max(quantile(v, 0.95, cut), floor + 1e-3);
  const ink = new Float32Array(n);
  let mass = 0;
  for (let i = 0; i < n; i++) { ink[i] = Math.min(1, Math.max(0, (v[i] - floor) / (top - floor))); mass += ink[i]; }
  if (mass === 0) return null;
  // Crop to the ink, leaving out the outermost 0.5% of its mass on each side (stray specks).
  const colMass = new Float64Array(W), rowMass = new Float64Array(H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) { colMass[x] += ink[y * W + x]; rowMass[y] += ink[y * W + x]; }
  const span = (m) => {
    let a = 0, b = m.length - 1, acc = 0;
    while (a < b && (acc += m[a]) < 0.005 * mass) a++;
    acc = 0;
    while (b > a && (acc += m[b]) < 0.005 * mass) b--;
    return [a, b];
  };
  const [x0, x1] = span(colMass), [y0, y1] = span(rowMass);
  const crop = { x0, y0, bw: x1 - x0 + 1, bh: y1 - y0 + 1 };
  // Into the 20x20 box, centred as a box; then moved so that the centre of mass is the field's centre.
  const s = BOX / Math.max(crop.bw, crop.bh);
  let offX = (SIZE - crop.bw * s) / 2, offY = (SIZE - crop.bh * s) / 2;
  const first = centreOfMass(resample(ink, W, crop, s, offX, offY));
  offX += CENTRE - first.x;
  offY += CENTRE - first.y;
  return { digit: resample(ink, W, crop, s, offX, offY), inverted, crop };
}

/** RGBA pixels (ImageData.data) -> luminance in [0, 1] (Rec. 601 weights). */
export function luminanceOf(rgba, W, H) {
  const out = new Float32Array(W * H);
  for (let i = 0; i < W * H; i++) out[i] = (0.299 * rgba[i * 4] + 0.587 * rgba[i * 4 + 1] + 0.114 * rgba[i * 4 + 2]) / 255;
  return out;
}
