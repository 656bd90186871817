// A synthetic photograph for the photo-denoising benchmarks (bench.mjs's photo section, Node, and
// test/browser/page.bench.ts, Chromium): W x H RGBA pixels with shading, a disc, a textured band and
// Gaussian noise of standard deviation 25 (0-255 scale); grey (R = G = B) or colour. No imports, so the
// page can load it as it is. Speed does not depend on the pixel values.
export function photoPicture(W, H, colour, seed = 1) {
  let s = seed >>> 0;
  const uniform = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s + 0.5) / 2 ** 32; };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const data = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const disc = (x - W / 2) ** 2 + (y - H / 2) ** 2 < (H / 3) ** 2;
    const band = y > H * 0.7 ? 25 * Math.sin(x / 2) : 0;
    const v = [60 + (120 * x) / W + band, 90 + (80 * y) / H + band, disc ? 200 : 70];
    const i = (y * W + x) * 4;
    if (colour) for (let c = 0; c < 3; c++) data[i + c] = v[c] + 25 * normal();
    else data[i] = data[i + 1] = data[i + 2] = v[0] + 25 * normal();
    data[i + 3] = 255;
  }
  return { width: W, height: H, data };
}
