// denoise-wasm eval [--model DIR] [--images FILE]  |  denoise-wasm eval --photos DIR [--sigmas 15,25,50]
import { basename } from 'node:path';
import { listImageFiles, readImageFile } from '../../data/pictures-node.js';
import { pictureFromRgba, type Picture } from '../../data/pictures.js';
import { addGaussianNoise } from '../../data/noise.js';
import { denoiseImage, imageChannels } from '../../denoise-image.js';
import { gaussianFilter, medianFilter } from '../../metrics/filters.js';
import { psnr } from '../../metrics/psnr.js';
import { ssim } from '../../metrics/ssim.js';
import { byteTensor, toFloat, type Tensor } from '../../tensor.js';
import type { LayersModel } from '../../model/model.js';
import { describeValue } from '../../train/validate.js';
import type { FlagValues } from '../flags.js';
import { formatTable } from '../table.js';
import { CommandError, UsageError, intFlag, numberFlag, openModel, parseFlags, threadsFlag, type CliIo, type Command } from './common.js';
import { loadImages } from './train.js';

/**
 * The Gaussian blur's standard deviation (pixels) for each noise level (0-255 scale): the best PSNR of
 * sd 0.5, 0.6, ..., 2 on six scikit-image photographs (camera, astronaut, coffee, chelsea, grass, brick;
 * grey) with that noise.
 */
export const BLUR_SIGMAS: ReadonlyArray<readonly [number, number]> = [[10, 0.6], [15, 0.7], [25, 1.0], [35, 1.2], [50, 1.4]];

export const evaluate: Command = {
  name: 'eval',
  summary: 'score a model (PSNR, SSIM) on held-out images against the noisy input',
  help: `Usage: denoise-wasm eval [--model DIR] [--images FILE] [flags]
       denoise-wasm eval --photos DIR [--sigmas 15,25,50] [--model DIR] [flags]

Adds Gaussian noise to held-out images, denoises them and prints PSNR (dB) and SSIM of the noisy and of
the denoised images against the clean ones (higher is better for both).

Photographs (--photos DIR: a folder of your own clean PNG/JPEG pictures, any sizes, grey or colour):
each picture gets Gaussian noise of each standard deviation of --sigmas (0-255 scale, added in floating
point and clipped to [0, 255]; the noise of the i-th picture by name at sigma s is seeded with
seed + 1000 i + s, so runs repeat), and the table gives, per picture and their mean, PSNR / SSIM of the
noisy picture, a 3x3 median filter, a Gaussian blur and the model (default: the photo denoiser, its
colour model for colour pictures; a saved grey model takes colour pictures per channel). The blur's standard deviation (pixels) is the one that scored best on
scikit-image's photographs at that noise: ${BLUR_SIGMAS.map(([n, g]) => `${g} at ${n}`).join(', ')} (linear between,
the nearest outside), over a kernel of 2 ceil(3 sd) + 1 pixels.

  --photos DIR      score on the pictures in DIR (.png, .jpg, .jpeg) instead of digits
  --sigmas LIST     photos: the noise levels, 0-255 scale (default 15,25,50)
  --model DIR       a saved model, or photo / digits (the shipped ones; default: digits, with --photos photo)
  --images FILE     digits: IDX images to score on (e.g. t10k-images-idx3-ubyte.gz); default: the 2,000 embedded
                    digits held out from training (the pretrained denoiser never saw them)
  --limit N         digits: score the first N images only
  --noise F         digits: standard deviation of the noise, pixels in [0, 1] (default 0.4)
  --seed N          seed of the noise (default 12345)
  --threads N       compute threads (default: one per core)
  -h, --help        print this help

Examples: denoise-wasm eval --model my-denoiser/
          denoise-wasm eval --photos my-photos/ --sigmas 10,30`,

  async run(argv: string[], io: CliIo): Promise<number> {
    const flags = parseFlags(argv, {
      model: { type: 'string' }, images: { type: 'string' }, limit: { type: 'string' }, noise: { type: 'string' },
      seed: { type: 'string' }, threads: { type: 'string' }, photos: { type: 'string' }, sigmas: { type: 'string' },
    }, this, io);
    if (!flags) return 0;
    const v = flags.values;
    if (v.photos !== undefined) return evalPhotos(v, io);
    if (v.sigmas !== undefined) throw new UsageError('--sigmas is for photographs: give --photos DIR too (for digits the noise is --noise)');
    const noise = numberFlag(v, 'noise', 0.4);
    const seed = intFlag(v, 'seed', 12345, 0);
    const limit = v.limit === undefined ? undefined : intFlag(v, 'limit', 1);
    const threads = threadsFlag(v);
    const clean = await loadImages(v.images as string | undefined, limit, 'test');
    const { model, label } = await openModel(v.model as string | undefined, threads, false);
    try {
      if (clean.shape.slice(1).join() !== model.inputShape.join()) {
        throw new CommandError(`the images are ${clean.shape.slice(1).join('x')} but ${label} takes ${model.inputShape.join('x')}`);
      }
      if (model.outputShape.join() !== model.inputShape.join()) {
        throw new CommandError(`${label} maps [${model.inputShape}] to [${model.outputShape}]; eval needs a denoiser (images in, same images out)`);
      }
      const noisy = addGaussianNoise(clean, { factor: noise, seed });
      const denoised = await model.predict(noisy);
      const n = clean.shape[0];
      const side = Math.min(clean.shape[1], clean.shape[2]);
      const windowSize = side >= 7 ? 7 : side % 2 === 1 ? side : side - 1;   // SSIM's window: odd, at most the image
      const row = (name: string, x: typeof clean) => [name, psnr(x, clean).mean.toFixed(2), ssim(x, clean, { windowSize }).mean.toFixed(4)];
      const rows = [row('noisy', noisy), row('denoised', denoised)];
      io.out.write(`${label} on ${n.toLocaleString('en-US')} held-out images, noise ${noise}:\n`);
      io.out.write(formatTable(['', 'PSNR (dB)', 'SSIM'], rows) + '\n');
      return 0;
    } finally {
      model.dispose();
    }
  },
};

/** BLUR_SIGMAS at noise level `sigma`: linear between its points, the nearest one outside. */
export function blurSigma(sigma: number): number {
  const t = BLUR_SIGMAS;
  if (sigma <= t[0][0]) return t[0][1];
  for (let k = 1; k < t.length; k++) {
    if (sigma <= t[k][0]) return t[k - 1][1] + ((sigma - t[k - 1][0]) / (t[k][0] - t[k - 1][0])) * (t[k][1] - t[k - 1][1]);
  }
  return t[t.length - 1][1];
}

/** --sigmas: numbers > 0 and <= 255, comma-separated. */
function sigmasFlag(v: FlagValues): number[] {
  if (v.sigmas === undefined) return [15, 25, 50];
  const list = String(v.sigmas).split(',').map((s) => Number(s.trim()));
  if (!list.length || list.some((x) => !Number.isFinite(x) || x <= 0 || x > 255) || String(v.sigmas).split(',').some((s) => s.trim() === '')) {
    throw new UsageError(`--sigmas must be noise levels > 0 and ≤ 255 (0-255 scale) separated by commas, e.g. 15,25,50; got ${describeValue(v.sigmas)}`);
  }
  return list;
}

/** eval --photos: noisy / median / blur / model, PSNR and SSIM, per picture and mean, for each noise level. */
async function evalPhotos(v: FlagValues, io: CliIo): Promise<number> {
  const wrong = ['images', 'limit', 'noise'].find((f) => v[f] !== undefined);
  if (wrong) throw new UsageError(`--${wrong} is for digits; with --photos the pictures are the folder's and the noise is --sigmas`);
  const sigmas = sigmasFlag(v);
  const seed = intFlag(v, 'seed', 12345, 0);
  const threads = threadsFlag(v);
  const dir = v.photos as string;
  const pictures: Picture[] = [];
  try {
    for (const path of await listImageFiles(dir)) pictures.push(pictureFromRgba(await readImageFile(path)));
  } catch (e) {
    throw new CommandError((e as Error).message.replace(/^loadImages: /, ''));
  }
  const small = pictures.find((p) => p.width < 7 || p.height < 7);
  if (small) throw new CommandError(`${small.name} is ${small.width}x${small.height}; SSIM needs pictures of at least 7x7 pixels (take it out of ${dir})`);
  const { model, label, shipped } = await openModel(v.model as string | undefined, threads, false, 'photo');
  const colour = pictures.filter((p) => p.channels === 3).length;
  let colourModel: LayersModel | null = null;
  try {
    // The shipped photo denoiser: its colour model for colour pictures, as `denoise` does.
    if (shipped === 'photo' && colour > 0) colourModel = (await openModel('photo', threads, false, 'photo', 3)).model;
    try {
      imageChannels(model);
    } catch (e) {
      throw new CommandError(`${label}: ${(e as Error).message}`);
    }
    io.out.write(`${label} on ${pictures.length} picture(s) in ${dir} (${colour} colour, ${pictures.length - colour} grey); ` +
      `Gaussian noise of standard deviation ${sigmas.join(', ')} (0-255 scale, clipped), seed ${seed}.\n` +
      'PSNR (dB) / SSIM against the clean pictures; higher is better.\n');
    const names = pictures.map((p) => basename(p.name));
    const ours = label.replace(/^the /, '');
    for (const sigma of sigmas) {
      const g = blurSigma(sigma);
      const methods = ['noisy', 'median 3x3', `gaussian ${+g.toFixed(2)}`, ours];
      const scores = methods.map(() => ({ psnr: [] as number[], ssim: [] as number[] }));
      for (let i = 0; i < pictures.length; i++) {
        const p = pictures[i];
        const clean = toFloat(byteTensor(p.data, [1, p.height, p.width, p.channels]));
        const noisy = addGaussianNoise(clean, { factor: sigma / 255, seed: seed + 1000 * i + sigma });
        const outputs: Tensor[] = [noisy, medianFilter(noisy, 3), gaussianFilter(noisy, { sigma: g, size: 2 * Math.ceil(3 * g) + 1 }), await denoiseImage(p.channels === 3 && colourModel ? colourModel : model, noisy)];
        outputs.forEach((x, k) => { scores[k].psnr.push(psnr(x, clean).mean); scores[k].ssim.push(ssim(x, clean).mean); });
      }
      const cell = (k: number, i: number) => `${scores[k].psnr[i].toFixed(2)} / ${scores[k].ssim[i].toFixed(3)}`;
      const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
      const rows = names.map((n, i) => [n, ...methods.map((_, k) => cell(k, i))]);
      rows.push(['mean', ...methods.map((_, k) => `${mean(scores[k].psnr).toFixed(2)} / ${mean(scores[k].ssim).toFixed(3)}`)]);
      io.out.write(`\n${formatTable([`sigma ${sigma}`, ...methods], rows)}\n`);
    }
    return 0;
  } finally {
    model.dispose();
    colourModel?.dispose();
  }
}
