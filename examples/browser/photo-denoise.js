// A stand-in for the library's denoiseImage(model, picture, options) (coming from the photo-api work) with
// the part of its surface the Photos panel uses: an RGBA picture in, the denoised RGBA picture out (alpha
// kept), onProgress. photos.js uses the library's own as soon as the package exports it; then this file
// can go. Unlike the library's (tiled), it runs the whole picture at once, so the panel keeps pictures small.
//
// A grey model (presets.photoDenoiser()) denoises each of R, G and B apart, or the picture once when
// R = G = B everywhere. Each plane is mirrored out to a multiple of 4 (the U-Net pools twice; numpy's
// 'reflect' mirror), run through a copy of the model built at that size (cached per size), cropped back.

const copies = new WeakMap();   // model -> Map('HxW' -> the model rebuilt at that input size)

/** The model rebuilt for H x W x 1 inputs (kept for the next picture of that size; older sizes disposed). */
function modelAt(model, H, W) {
  let bySize = copies.get(model);
  if (!bySize) copies.set(model, bySize = new Map());
  const key = `${H}x${W}`;
  if (!bySize.has(key)) {
    for (const m of bySize.values()) m.dispose();
    bySize.clear();
    bySize.set(key, model.withInputShape([H, W, 1]));
  }
  return bySize.get(key);
}

function isGrey(rgba) {
  const d = rgba.data;
  for (let p = 0; p < d.length; p += 4) if (d[p] !== d[p + 1] || d[p] !== d[p + 2]) return false;
  return true;
}

const reflect = (i, n) => (i < n ? i : 2 * n - 2 - i);

/**
 * Denoises an RGBA picture { width, height, data } (canvas ImageData) with a grey denoiser model; resolves
 * with a new RGBA picture of the same size. onProgress(fraction) after each plane.
 */
export async function denoiseImage(model, picture, { onProgress } = {}) {
  const { width: w, height: h, data } = picture;
  const H = Math.ceil(h / 4) * 4, W = Math.ceil(w / 4) * 4;
  const planes = isGrey(picture) ? 1 : 3;
  const m = modelAt(model, H, W);
  const out = new Uint8ClampedArray(data);   // alpha kept
  const x = new Float32Array(H * W);
  for (let c = 0; c < planes; c++) {
    for (let y = 0; y < H; y++) {
      for (let i = 0; i < W; i++) x[y * W + i] = data[(reflect(y, h) * w + reflect(i, w)) * 4 + c] / 255;
    }
    const y1 = await m.predict({ data: x, shape: [1, H, W, 1] });
    for (let y = 0; y < h; y++) {
      for (let i = 0; i < w; i++) {
        const v = Math.round(y1.data[y * W + i] * 255);   // Uint8ClampedArray clips to 0..255
        const p = (y * w + i) * 4;
        if (planes === 1) out[p] = out[p + 1] = out[p + 2] = v;
        else out[p + c] = v;
      }
    }
    onProgress?.((c + 1) / planes);
  }
  return { width: w, height: h, data: out };
}
