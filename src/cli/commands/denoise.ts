// denoise-wasm denoise in.png -o out.png [--model DIR]
import { writeFile } from 'node:fs/promises';
import { CommandError, UsageError, intFlag, openModel, parseFlags, readInput, threadsFlag, type CliIo, type Command } from './common.js';
import { decodeImage, encodeImage, formatForPath } from './images.js';
import { DEFAULT_MAX_PIXELS } from '../../io/image-header.js';
import { denoiseTiled, imageChannels, planTiles } from './tiles.js';

export const denoise: Command = {
  name: 'denoise',
  summary: 'denoise a PNG or JPEG image of any size',
  help: `Usage: denoise-wasm denoise <image> -o <output> [--model DIR] [--threads N] [--max-pixels N]

Denoises a grey or colour PNG or JPEG image of any size with the pretrained denoiser (or a saved model)
and writes a PNG or JPEG (by the output's extension; JPEG at quality 95).

What the pretrained denoiser is for: light strokes on a dark background, like MNIST digits (handwriting,
line drawings, light-on-dark scans). It was not trained on photographs and makes them worse; a warning
goes to stderr when the picture does not look like that (median brightness above 0.3).

  -o, --out FILE    where to write the result (.png, .jpg or .jpeg)
  --model DIR       a saved model (a directory with model.json, or the model.json itself; TF.js models
                    work too); default: the pretrained denoiser that ships with the package
  --threads N       compute threads (default: one per core)
  --max-pixels N    largest image accepted, width x height (default ${DEFAULT_MAX_PIXELS.toLocaleString('en-US')}); the
                    header is checked before decoding, so a small file cannot claim a huge image
  -h, --help        print this help

Sizes: the image is processed in overlapping tiles (16 pixels of context on each side, mirrored at
the image's edges), so any width and height work. Fully convolutional models run on tiles of about
144x144 (a 112x112 centre and the context) at a size they map to themselves; fixed-size models (e.g. a Dense one) on tiles of their own
input size. Colour: a one-channel (grey) model denoises R, G and B separately, each as a grey image
(this also removes colour noise); a grey image is denoised once. A three-channel model gets RGB.
Transparency is kept as it is.

Example: denoise-wasm denoise scan.png -o clean.png`,

  async run(argv: string[], io: CliIo): Promise<number> {
    const flags = parseFlags(argv, { out: { type: 'string', short: 'o' }, model: { type: 'string' }, threads: { type: 'string' },
      'max-pixels': { type: 'string' } }, this, io, 1);
    if (!flags) return 0;
    const input = flags.positionals[0];
    const out = flags.values.out as string | undefined;
    if (!input) throw new UsageError('give the image to denoise, e.g. denoise-wasm denoise in.png -o out.png');
    if (!out) throw new UsageError('give the output file with -o, e.g. -o out.png');
    const threads = threadsFlag(flags.values);
    const format = formatForPath(out);
    const maxPixels = intFlag(flags.values, 'max-pixels', DEFAULT_MAX_PIXELS);
    const image = decodeImage(await readInput(input, 'image'), input, { maxPixels });
    const { width: W, height: H, data: rgba } = image;
    const { model, label } = await openModel(flags.values.model as string | undefined, threads, false);
    const t0 = performance.now();
    let C: number;
    try {
      C = imageChannels(model);
    } catch (e) {
      throw new CommandError(`${label}: ${(e as Error).message}`);
    }
    let grey = true;
    for (let p = 0; p < rgba.length && grey; p += 4) grey = rgba[p] === rgba[p + 1] && rgba[p] === rgba[p + 2];
    // What goes through the model: one HWC image per grey plane (C = 1) or one RGB image (C = 3).
    const channels = C === 3 ? [[0, 1, 2]] : grey ? [[0]] : [[0], [1], [2]];
    const inputs = channels.map((chs) => {
      const a = new Float32Array(W * H * C);
      for (let i = 0; i < W * H; i++) for (let c = 0; c < C; c++) a[i * C + c] = rgba[i * 4 + chs[Math.min(c, chs.length - 1)]] / 255;
      return a;
    });
    if (flags.values.model === undefined) {
      const median = medianBrightness(rgba);
      if (median > PHOTO_MEDIAN) {
        io.err.write(`denoise-wasm denoise: warning: ${input} does not look like light strokes on a dark background (median ` +
          `brightness ${median.toFixed(2)}, above ${PHOTO_MEDIAN}); the pretrained denoiser was trained on MNIST-like digits and ` +
          'can make photographs and dark-on-light pictures worse (see denoise-wasm denoise --help)\n');
      }
    }
    const plan = planTiles(model, H, W, threads);
    let outputs: Float32Array[];
    try {
      outputs = await denoiseTiled(plan, inputs, H, W);
    } finally {
      if (plan.model !== model) plan.model.dispose();
      model.dispose();
    }
    const result = new Uint8ClampedArray(rgba);   // keeps alpha
    channels.forEach((chs, k) => {
      const o = outputs[k];
      for (let i = 0; i < W * H; i++) {
        for (let c = 0; c < C; c++) {
          const v = Math.round(o[i * C + c] * 255);
          if (C === 1 && grey) { result[i * 4] = v; result[i * 4 + 1] = v; result[i * 4 + 2] = v; }
          else result[i * 4 + chs[c]] = v;
        }
      }
    });
    try {
      await writeFile(out, encodeImage({ width: W, height: H, data: result }, format));
    } catch (e) {
      throw new CommandError(`cannot write ${out}: ${(e as Error).message}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    io.err.write(`denoised ${input} (${W}x${H}, ${grey ? 'grey' : C === 3 ? 'colour, RGB' : 'colour, per channel'}) with ${label} ` +
      `in ${seconds.toFixed(1)} s (tiles ${plan.tileW}x${plan.tileH}) -> ${out}\n`);
    return 0;
  },
};

/** Above this median brightness a picture is not light strokes on a dark background (MNIST: about 0). */
export const PHOTO_MEDIAN = 0.3;

/** Median luma (Rec. 601) in [0, 1] of an RGBA picture, from a 256-bin histogram. */
export function medianBrightness(rgba: Uint8ClampedArray): number {
  const hist = new Uint32Array(256);
  const n = rgba.length / 4;
  for (let p = 0; p < rgba.length; p += 4) hist[Math.round(0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2])]++;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v];
    if (seen * 2 >= n) return v / 255;
  }
  return 1;
}
