// denoise-wasm denoise in.jpg -o out.png [--model photo|digits|DIR]
import { writeFile } from 'node:fs/promises';
import { DEFAULT_DENOISE_MARGIN, DEFAULT_DENOISE_TILE, denoiseImage, imageChannels } from '../../denoise-image.js';
import { CommandError, UsageError, intFlag, openModel, parseFlags, readInput, threadsFlag, type CliIo, type Command } from './common.js';
import { decodeImage, encodeImage, formatForPath } from './images.js';
import { checkOutputFile } from '../output.js';
import { DEFAULT_MAX_PIXELS } from '../../io/image-header.js';

/** Pictures of at least this many pixels get a progress line on a terminal (512x512). */
export const PROGRESS_PIXELS = 512 * 512;

export const denoise: Command = {
  name: 'denoise',
  summary: 'denoise a photograph (or, with --model digits, light strokes on dark) of any size, PNG or JPEG',
  help: `Usage: denoise-wasm denoise <image> -o <output> [--model photo|digits|DIR] [--threads N] [--max-pixels N]

Denoises a grey or colour PNG or JPEG image of any size and writes a PNG or JPEG (by the output's
extension; JPEG at quality 95). By default with the photo denoiser (presets.photoDenoiser(), a residual
U-Net trained on photographs). It is blind: it estimates the noise itself, so no noise level is asked
for (it was trained on Gaussian noise of standard deviation 0 to 50 on the 0-255 scale).

  -o, --out FILE    where to write the result (.png, .jpg or .jpeg), in an existing directory
  --model NAME|DIR  photo (default): the photo denoiser; digits: the MNIST digit denoiser
                    (presets.pretrained()), for light strokes on a dark background like MNIST digits
                    (handwriting, line drawings, light-on-dark scans): it makes photographs worse, and a
                    warning goes to stderr when the picture does not look like that (median brightness
                    above 0.3); or a saved model (a directory with model.json, or the model.json itself;
                    TF.js models work too; a folder named photo or digits is ./photo, ./digits)
  --threads N       compute threads (default: one per core)
  --max-pixels N    largest image accepted, width x height (default ${DEFAULT_MAX_PIXELS.toLocaleString('en-US')}); the
                    header is checked before decoding, so a small file cannot claim a huge image
  -h, --help        print this help

Sizes: the image is processed in overlapping tiles (${DEFAULT_DENOISE_MARGIN} pixels of context on each side, mirrored at the
image's edges; the photo denoiser reaches ${DEFAULT_DENOISE_MARGIN} pixels, so the tiles give the same result as one run
over the whole picture), so any width and height work. Fully convolutional models run on tiles of up to
${DEFAULT_DENOISE_TILE + 2 * DEFAULT_DENOISE_MARGIN}x${DEFAULT_DENOISE_TILE + 2 * DEFAULT_DENOISE_MARGIN} (a centre of up to ${DEFAULT_DENOISE_TILE}x${DEFAULT_DENOISE_TILE} and the context) at a size they map to themselves; fixed-size
models (e.g. a Dense one) on tiles of their own input size. Colour: the photo denoiser takes a colour
picture with its colour model (R, G and B at once) and a grey one with its grey model; a one-channel
model (--model digits, or a saved grey one) denoises R, G and B separately, each as a grey image; a grey
image is denoised once. A three-channel model gets RGB. Transparency is kept as it is.
On a terminal, pictures of ${PROGRESS_PIXELS.toLocaleString('en-US')} pixels or more show their progress on stderr.

Examples: denoise-wasm denoise photo.jpg -o clean.png
          denoise-wasm denoise digits-scan.png -o clean.png --model digits`,

  async run(argv: string[], io: CliIo): Promise<number> {
    const flags = parseFlags(argv, { out: { type: 'string', short: 'o' }, model: { type: 'string' }, threads: { type: 'string' },
      'max-pixels': { type: 'string' } }, this, io, 1);
    if (!flags) return 0;
    const input = flags.positionals[0];
    const out = flags.values.out as string | undefined;
    if (!input) throw new UsageError('give the image to denoise, e.g. denoise-wasm denoise in.png -o out.png');
    if (!out) throw new UsageError('give the output file with -o, e.g. -o out.png');
    const threads = threadsFlag(flags.values);
    await checkOutputFile(out, '-o');
    const format = formatForPath(out);
    const maxPixels = intFlag(flags.values, 'max-pixels', DEFAULT_MAX_PIXELS);
    const image = decodeImage(await readInput(input, 'image'), input, { maxPixels });
    const { width: W, height: H, data: rgba } = image;
    const grey = isGrey(rgba);
    const { model, label, shipped } = await openModel(flags.values.model as string | undefined, threads, false, 'photo', grey ? 1 : 3);
    const t0 = performance.now();
    let result: Uint8ClampedArray, C: number;
    try {
      try {
        C = imageChannels(model);
      } catch (e) {
        throw new CommandError(`${label}: ${(e as Error).message}`);
      }
      if (shipped === 'digits') {
        const median = medianBrightness(rgba);
        if (median > PHOTO_MEDIAN) {
          io.err.write(`denoise-wasm denoise: warning: ${input} does not look like light strokes on a dark background (median ` +
            `brightness ${median.toFixed(2)}, above ${PHOTO_MEDIAN}); the digit denoiser (--model digits) was trained on MNIST digits ` +
            'and can make photographs and dark-on-light pictures worse: leave --model out for the photo denoiser\n');
        }
      }
      const showProgress = io.err.isTTY === true && W * H >= PROGRESS_PIXELS;
      const onProgress = showProgress ? (f: number) => io.err.write(`\rdenoising ${input}: ${Math.floor(f * 100)}%`) : undefined;
      if (showProgress) io.err.write(`denoising ${input}: 0%`);
      result = (await denoiseImage(model, { width: W, height: H, data: rgba }, { onProgress })).data;
      if (showProgress) io.err.write('\n');
    } finally {
      model.dispose();
    }
    try {
      await writeFile(out, encodeImage({ width: W, height: H, data: result }, format));
    } catch (e) {
      throw new CommandError(`cannot write ${out}: ${(e as Error).message}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    io.err.write(`denoised ${input} (${W}x${H}, ${grey ? 'grey' : C === 3 ? 'colour, RGB' : 'colour, per channel'}) with ${label} ` +
      `in ${seconds.toFixed(1)} s -> ${out}\n`);
    return 0;
  },
};

function isGrey(rgba: Uint8ClampedArray): boolean {
  for (let p = 0; p < rgba.length; p += 4) if (rgba[p] !== rgba[p + 1] || rgba[p] !== rgba[p + 2]) return false;
  return true;
}

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
