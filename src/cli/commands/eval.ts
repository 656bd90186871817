// denoise-wasm eval [--model DIR] [--images FILE]
import { addGaussianNoise } from '../../data/noise.js';
import { psnr } from '../../metrics/psnr.js';
import { ssim } from '../../metrics/ssim.js';
import { formatTable } from '../table.js';
import { CommandError, intFlag, numberFlag, openModel, parseFlags, threadsFlag, type CliIo, type Command } from './common.js';
import { loadImages } from './train.js';

export const evaluate: Command = {
  name: 'eval',
  summary: 'score a model (PSNR, SSIM) on held-out images against the noisy input',
  help: `Usage: denoise-wasm eval [--model DIR] [--images FILE] [flags]

Adds Gaussian noise to held-out images, denoises them and prints PSNR (dB) and SSIM of the noisy and of
the denoised images against the clean ones (higher is better for both).

  --model DIR       a saved model (default: the pretrained denoiser)
  --images FILE     IDX images to score on (e.g. t10k-images-idx3-ubyte.gz); default: the 2,000 embedded
                    digits held out from training (the pretrained denoiser never saw them)
  --limit N         score the first N images only
  --noise F         standard deviation of the noise (default 0.4)
  --seed N          seed of the noise (default 12345)
  --threads N       compute threads (default: one per core)
  -h, --help        print this help

Example: denoise-wasm eval --model my-denoiser/`,

  async run(argv: string[], io: CliIo): Promise<number> {
    const flags = parseFlags(argv, {
      model: { type: 'string' }, images: { type: 'string' }, limit: { type: 'string' }, noise: { type: 'string' },
      seed: { type: 'string' }, threads: { type: 'string' },
    }, this, io);
    if (!flags) return 0;
    const v = flags.values;
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
