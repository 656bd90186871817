// Flags of `npm start` (the tutorial CLI), parsed with node:util's parseArgs and checked, so that every
// mistake becomes one line that names the flag, what it needs and what it got.
import { parseArgs } from 'node:util';
import type { OptimizerName } from '../train/optimizers.js';
import { describeValue } from '../train/validate.js';
import { attachNegativeValues } from './flags.js';

export interface TutorialOptions {
  epochs: number;
  batchSize: number;
  noise: number;
  trainSize: number;
  testSize: number;
  dataDir?: string;
  freshNoise: boolean;
  optimizer: OptimizerName;
  learningRate?: number;
  seed: number;
  /** Compute threads; undefined = one per core. */
  threads?: number;
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
export class UsageError extends Error {}

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
                      --train-size / --test-size images of its train and t10k files are used
  --fresh-noise       draw new noise on the training digits every epoch instead of once
  --optimizer NAME    ${OPTIMIZERS.join(', ')} (default ${DEFAULTS.optimizer}, as in the tutorial)
  --learning-rate F   the optimizer's learning rate (default: the Keras one, adadelta 1.0, adam 0.001)
  --seed N            seed of the split, the noise, the initial weights and the shuffling (default ${DEFAULTS.seed})
  --threads N         compute threads (default: one per core; results are the same for any number)
  --out PATH          where to write the picture (default ${DEFAULTS.out})
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
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: attachNegativeValues(argv, options),
      strict: true,
      allowPositionals: false,
      options,
    }).values;
  } catch (e) {
    throw new UsageError(explainParseError(e as Error & { code?: string }));
  }
  const optimizer = values.optimizer ?? DEFAULTS.optimizer;
  if (!OPTIMIZERS.includes(optimizer as OptimizerName)) {
    throw new UsageError(`--optimizer must be one of ${OPTIMIZERS.join(', ')}, got ${describeValue(optimizer)}`);
  }
  const text = (flag: string) => {
    const v = values[flag] as string | undefined;
    if (v !== undefined && v.trim() === '') throw new UsageError(`--${flag} needs a value, got an empty string`);
    return v;
  };
  return {
    epochs: positiveInt('epochs', text('epochs'), DEFAULTS.epochs),
    batchSize: positiveInt('batch-size', text('batch-size'), DEFAULTS.batchSize),
    noise: number('noise', text('noise'), DEFAULTS.noise, 'a number ≥ 0', (x) => x >= 0),
    trainSize: positiveInt('train-size', text('train-size'), DEFAULTS.trainSize),
    testSize: positiveInt('test-size', text('test-size'), DEFAULTS.testSize),
    dataDir: text('data-dir'),
    freshNoise: values['fresh-noise'] === true,
    optimizer: optimizer as OptimizerName,
    learningRate: values['learning-rate'] === undefined ? undefined
      : number('learning-rate', text('learning-rate'), 0, 'a number > 0', (x) => x > 0),
    seed: integer('seed', text('seed'), DEFAULTS.seed, 'an integer ≥ 0', 0),
    threads: values.threads === undefined ? undefined : positiveInt('threads', text('threads'), 1),
    out: text('out') ?? DEFAULTS.out,
    help: values.help === true,
  };
}

function positiveInt(flag: string, v: string | undefined, fallback: number): number {
  return integer(flag, v, fallback, 'a positive integer', 1);
}

function integer(flag: string, v: string | undefined, fallback: number, what: string, min: number): number {
  if (v === undefined) return fallback;
  const n = /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${flag} must be ${what}, got ${describeValue(v)}`);
  return n;
}

function number(flag: string, v: string | undefined, fallback: number, what: string, ok: (x: number) => boolean): number {
  if (v === undefined) return fallback;
  const x = Number(v);
  if (!Number.isFinite(x) || !ok(x)) throw new UsageError(`--${flag} must be ${what}, got ${describeValue(v)}`);
  return x;
}

/** parseArgs's messages are several lines and mention its own jargon; say it in one line instead. */
function explainParseError(e: Error & { code?: string }): string {
  const flag = /'(-{1,2}[^' <]+)/.exec(e.message)?.[1];
  const seeHelp = '(run with --help to list the flags)';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag ?? e.message} ${seeHelp}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(e.message)?.[1] ?? ''}: flags start with -- ${seeHelp}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(e.message)) return `${flag} is a switch and takes no value`;
      if (/ambiguous/.test(e.message)) return `${flag} needs a value; for one that starts with a dash write ${flag}=VALUE`;
      return `${flag} needs a value ${seeHelp}`;
    default:
      return e.message.split('\n')[0];
  }
}
