// The CLI's pieces on their own: flag parsing, the progress display, the table.
import { DEFAULTS, parseTutorialArgs, UsageError } from '../../src/cli/args.js';
import { errorLine } from '../../src/cli/flags.js';
import { Progress } from '../../src/cli/progress.js';
import { formatDuration, formatTable } from '../../src/cli/table.js';

describe('parseTutorialArgs', () => {
  test('defaults', () => {
    expect(parseTutorialArgs([])).toEqual({ ...DEFAULTS, trainSize: undefined, testSize: undefined, dataDir: undefined, freshNoise: false,
      learningRate: undefined, threads: undefined, help: false });
  });

  test('every flag', () => {
    const o = parseTutorialArgs(['--epochs', '3', '--batch-size=64', '--noise', '0.5', '--train-size', '100', '--test-size', '20',
      '--data-dir', 'd', '--fresh-noise', '--optimizer', 'rmsprop', '--learning-rate', '1e-3', '--seed', '0', '--threads', '1', '--out', 'x.png', '-h']);
    expect(o).toEqual({ epochs: 3, batchSize: 64, noise: 0.5, trainSize: 100, testSize: 20, dataDir: 'd', freshNoise: true,
      optimizer: 'rmsprop', learningRate: 0.001, seed: 0, threads: 1, out: 'x.png', help: true });
  });

  test.each([
    [['--epochs', '0'], '--epochs must be a positive integer, got "0"'],
    [['--epochs', '2.5'], '--epochs must be a positive integer, got "2.5"'],
    [['--batch-size', '1e3'], '--batch-size must be a positive integer, got "1e3"'],
    [['--noise', 'loud'], '--noise must be a number ≥ 0, got "loud"'],
    [['--noise=-0.1'], '--noise must be a number ≥ 0, got "-0.1"'],
    [['--learning-rate', '0'], '--learning-rate must be a number > 0, got "0"'],
    [['--seed', 'x'], '--seed must be an integer ≥ 0, got "x"'],
    [['--threads', '0'], '--threads must be \'auto\' or an integer from 1 to 16, got "0"'],
    [['--threads', '17'], '--threads must be \'auto\' or an integer from 1 to 16, got "17" (a batch is cut into at most 16 chunks'],
    [['--optimizer', 'lbfgs'], '--optimizer must be one of adadelta, adam, rmsprop, sgd, adagrad, got "lbfgs"'],
    [['--out', ''], '--out needs a value, got an empty string'],
    [['--epochs'], '--epochs needs a value (run with --help to list the flags)'],
    [['--noise', '-1'], '--noise must be a number ≥ 0, got "-1"'],
    [['--fresh-noise=yes'], '--fresh-noise is a switch and takes no value'],
    [['--epoch', '3'], 'unknown flag --epoch (run with --help to list the flags)'],
    [['5'], 'unexpected argument 5: flags start with -- (run with --help to list the flags)'],
  ])('%j → %s', (argv, message) => {
    expect(() => parseTutorialArgs(argv)).toThrow(UsageError);
    expect(() => parseTutorialArgs(argv)).toThrow(message);
  });
});

test('errorLine: the first line, without the "denoise-wasm: " of library errors (the CLIs add their own prefix)', () => {
  expect(errorLine(new Error("denoise-wasm: threads must be 'auto'\nmore"))).toBe("threads must be 'auto'");
  expect(errorLine(new Error('fit: the loss became NaN'))).toBe('fit: the loss became NaN');
  expect(errorLine('plain')).toBe('plain');
});

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 60, write: (s: string) => writes.push(s) } };
}

describe('Progress', () => {
  test('not a terminal: one line per epoch with loss, val_loss, samples/s, time and ETA', () => {
    let t = 0;
    const { writes, stream } = fakeStream(false);
    const p = new Progress(stream, { epochs: 2, samples: 300, batchSize: 128 }, () => t);
    for (const [b, n] of [[0, 128], [1, 128], [2, 44]]) { t += 100; p.batch(0, b, n, 0.5); }
    expect(writes).toEqual([]);
    p.epoch(0, { loss: 0.5, val_loss: 0.25 });
    expect(writes.join('')).toBe('epoch 1/2  loss 0.5000  val_loss 0.2500  1,000 samples/s  0.3 s  ETA 0:00\n');
    expect(p.samplesPerSecond()).toBeCloseTo(1000);
    expect(p.elapsed()).toBeCloseTo(0.3);
  });

  test('terminal: redraws one line with \\r, at most every 100 ms, cut to the width; an epoch ends the line', () => {
    let t = 0;
    const { writes, stream } = fakeStream(true);
    const p = new Progress(stream, { epochs: 10, samples: 1000, batchSize: 100 }, () => t);
    t = 150; p.batch(0, 0, 100, 0.7);
    t = 160; p.batch(0, 1, 100, 0.5); // too soon: not drawn
    expect(writes).toHaveLength(1);
    expect(writes[0].startsWith('\repoch  1/10 [==                  ] batch 1/10  loss 0.7000')).toBe(true);
    expect(writes[0].endsWith('\x1b[K')).toBe(true);
    expect(writes[0].length).toBeLessThanOrEqual(1 + 59 + 3);
    p.end(); // a half-drawn line gets its newline
    expect(writes[1]).toBe('\n');
    p.end();
    expect(writes).toHaveLength(2);
  });
});

describe('formatTable, formatDuration', () => {
  test('left-aligned labels, right-aligned numbers, a rule', () => {
    expect(formatTable(['what', 'PSNR'], [['noisy', '11.00'], ['model', '9.5']])).toBe(
      'what    PSNR\n-----  -----\nnoisy  11.00\nmodel    9.5');
  });

  test('durations', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(107.4)).toBe('1:47');
    expect(formatDuration(3723)).toBe('1:02:03');
  });
});
