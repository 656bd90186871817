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

/** The q-quantile (0..1) of v's values in [0, 1], from a 1024-bin histogram. */
function quantile(v, q, from = 0, keep = () => true) {
  const BINS = 1024, hist = new Uint32Array(BINS);
  let n = 0;
  for (let i = 0; i < v.length; i++) if (v[i] > from && keep(i)) { hist[Math.min(BINS - 1, Math.floor(v[i] * BINS))]++; n++; }
  let seen = 0;
  for (let b = 0; b < BINS; b++) { seen += hist[b]; if (seen >= q * n) return (b + 0.5) / BINS; }
  return 1;
}

/**
 * The paper's own ink-ness under uneven light: the 20th percentile of each block of a grid about 8 blocks
 * across, eroded over 3x3 blocks (a block that a thick stroke covers takes its neighbours' paper), then
 * interpolated bilinearly between block centres.
 */
function background(v, W, H) {
  const B = Math.max(4, Math.round(Math.max(W, H) / 8));
  const GX = Math.ceil(W / B), GY = Math.ceil(H / B);
  const block = new Float32Array(GX * GY);
  const cell = new Float32Array(B * B);
  for (let gy = 0; gy < GY; gy++) {
    for (let gx = 0; gx < GX; gx++) {
      let n = 0;
      for (let y = gy * B; y < Math.min(H, (gy + 1) * B); y++) for (let x = gx * B; x < Math.min(W, (gx + 1) * B); x++) cell[n++] = v[y * W + x];
      const part = cell.subarray(0, n).sort();
      block[gy * GX + gx] = part[Math.floor(0.2 * (n - 1))];
    }
  }
  const eroded = new Float32Array(GX * GY);
  for (let gy = 0; gy < GY; gy++) {
    for (let gx = 0; gx < GX; gx++) {
      let m = Infinity;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const yy = gy + dy, xx = gx + dx;
        if (yy >= 0 && yy < GY && xx >= 0 && xx < GX) m = Math.min(m, block[yy * GX + xx]);
      }
      eroded[gy * GX + gx] = m;
    }
  }
  const bg = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const fy = Math.min(GY - 1, Math.max(0, (y + 0.5) / B - 0.5)), y0 = Math.floor(fy), y1 = Math.min(GY - 1, y0 + 1), ty = fy - y0;
    for (let x = 0; x < W; x++) {
      const fx = Math.min(GX - 1, Math.max(0, (x + 0.5) / B - 0.5)), x0 = Math.floor(fx), x1 = Math.min(GX - 1, x0 + 1), tx = fx - x0;
      const top = eroded[y0 * GX + x0] * (1 - tx) + eroded[y0 * GX + x1] * tx;
      const bottom = eroded[y1 * GX + x0] * (1 - tx) + eroded[y1 * GX + x1] * tx;
      bg[y * W + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return bg;
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
  // Polarity: the paper is the larger of Otsu's two classes; dark ink on light paper is inverted.
  const t0 = otsuThreshold(luminance);
  let above = 0;
  for (let i = 0; i < n; i++) if (luminance[i] > t0) above++;
  const inverted = above > n / 2;
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
