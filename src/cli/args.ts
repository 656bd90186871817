// Flags of `npm start` (the tutorial CLI), parsed by flags.ts (shared with denoise-wasm) and checked, so
// that every mistake becomes one line that names the flag, what it needs and what it got.
import { MAX_THREADS } from '../model/model.js';
import type { OptimizerName } from '../train/optimizers.js';
import { describeValue } from '../train/validate.js';
import { intFlag, numberFlag, parseCommandLine, threadsFlag, UsageError } from './flags.js';

export { UsageError };

export interface TutorialOptions {
  epochs: number;
  batchSize: number;
  noise: number;
  /** Training images; undefined = DEFAULTS.trainSize (with --data-dir: up to that many, as many as its files hold). */
  trainSize?: number;
  /** Held-out images; undefined = DEFAULTS.testSize (with --data-dir: up to that many). */
  testSize?: number;
  dataDir?: string;
  freshNoise: boolean;
  optimizer: OptimizerName;
  learningRate?: number;
  seed: number;
  /** Compute threads; undefined or 'auto' = one per core. */
  threads?: 'auto' | number;
  out: string;
  help: boolean;
}

/**
 * The defaults take about two minutes or less on a 2-core machine: 60 epochs of 9,000 digits are 540,000 training
 * samples, ~1:25 at 6,600 samples/s (2 threads), ~2:35 at 3,500 samples/s (one thread).
 */
export const DEFAULTS = {
  epochs: 60,
  batchSize: 128,
  noise: 0.4,
  trainSize: 9000,
  testSize: 1000,
  optimizer: 'adadelta' as OptimizerName,
  seed: 0,
  out: 'out/denoised.png',
};

const OPTIMIZERS: OptimizerName[] = ['adadelta', 'adam', 'rmsprop', 'sgd', 'adagrad'];

/** A mistake in the command line: the CLI prints its message on one line and exits with code 2. */

export const HELP = `Usage: npm start -- [flags]        (or: node dist/cli/tutorial.js [flags])

Trains the Keras tutorial's convolutional denoising autoencoder (presets.kerasTutorial(): 4,385
parameters, binary cross-entropy, adadelta) to turn MNIST digits with Gaussian noise back into clean
ones, compares it with classical filters on held-out digits (PSNR and SSIM) and writes a picture
(rows: noisy / denoised / clean). Progress goes to stderr, results to stdout.

Flags:
  --epochs N          passes over the training digits (default ${DEFAULTS.epochs})
  --batch-size N      digits per training step (default ${DEFAULTS.batchSize})
  --noise F           standard deviation of the Gaussian noise on pixels in [0, 1] (default ${DEFAULTS.noise})
  --train-size N      training digits (default ${DEFAULTS.trainSize}: every embedded digit not held out)
  --test-size N       held-out digits for validation, scores and the picture (default ${DEFAULTS.testSize})
  --data-dir DIR      read the four MNIST IDX files (raw or .gz) in DIR instead of the 10,000 digits
                      embedded in the 'mnist' package, e.g. /usr/share/datasets/fashion-mnist; the first
                      --train-size / --test-size images of its train and t10k files are used (without
                      them: up to ${DEFAULTS.trainSize} / ${DEFAULTS.testSize}; asking for more than a file holds is a mistake)
  --fresh-noise       draw new noise on the training digits every epoch instead of once
  --optimizer NAME    ${OPTIMIZERS.join(', ')} (default ${DEFAULTS.optimizer}, as in the tutorial)
  --learning-rate F   the optimizer's learning rate (default: the Keras one, adadelta 1.0, adam 0.001)
  --seed N            seed of the split, the noise, the initial weights and the shuffling (default ${DEFAULTS.seed})
  --threads N         compute threads, 1 to ${MAX_THREADS} (default: one per core; results are the same for any number)
  --out PATH          where to write the picture, PNG or JPEG by its extension (.png, .jpg, .jpeg),
                      creating directories; checked before the training (default ${DEFAULTS.out})
  -h, --help          print this help and exit

Example: npm start -- --epochs 10 --fresh-noise --out out/ten.png`;

/** The flags, as parseArgs takes them. */
const options = {
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  noise: { type: 'string' },
  'train-size': { type: 'string' },
  'test-size': { type: 'string' },
  'data-dir': { type: 'string' },
  'fresh-noise': { type: 'boolean' },
  optimizer: { type: 'string' },
  'learning-rate': { type: 'string' },
  seed: { type: 'string' },
  threads: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses argv (without node and the script); throws UsageError with a one-line message on a mistake. */
export function parseTutorialArgs(argv: string[]): TutorialOptions {
  const { values } = parseCommandLine(argv, options, '(run with --help to list the flags)');
  const optimizer = values.optimizer ?? DEFAULTS.optimizer;
  if (!OPTIMIZERS.includes(optimizer as OptimizerName)) {
    throw new UsageError(`--optimizer must be one of ${OPTIMIZERS.join(', ')}, got ${describeValue(optimizer)}`);
  }
  return {
    epochs: intFlag(values, 'epochs', DEFAULTS.epochs),
    batchSize: intFlag(values, 'batch-size', DEFAULTS.batchSize),
    noise: numberFlag(values, 'noise', DEFAULTS.noise),
    trainSize: values['train-size'] === undefined ? undefined : intFlag(values, 'train-size', DEFAULTS.trainSize),
    testSize: values['test-size'] === undefined ? undefined : intFlag(values, 'test-size', DEFAULTS.testSize),
    dataDir: values['data-dir'] as string | undefined,
    freshNoise: values['fresh-noise'] === true,
    optimizer: optimizer as OptimizerName,
    learningRate: values['learning-rate'] === undefined ? undefined : numberFlag(values, 'learning-rate', 0, 'a number > 0', (x) => x > 0),
    seed: intFlag(values, 'seed', DEFAULTS.seed, 0),
    threads: values.threads === undefined ? undefined : threadsFlag(values),
    out: (values.out as string | undefined) ?? DEFAULTS.out,
    help: values.help === true,
  };
}
