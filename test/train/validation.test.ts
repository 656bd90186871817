// Bad values are named as given (NaN and Infinity by name, arrays shown, types said), and the checks
// cover what used to slip through: fractional shapes, optimizer ranges, unknown variants, IDX sources,
// negative flag values.
import { Sequential, layers, presets, optimizers, tensor, decodeIdx } from '../../src/index.js';
import { loadIdx } from '../../src/data/idx-node.js';
import { describeValue } from '../../src/train/validate.js';
import { parseTutorialArgs } from '../../src/cli/args.js';
import { main } from '../../src/cli/main.js';

describe('describeValue', () => {
  test.each([
    [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'], [1.5, '1.5'], ['x', '"x"'], [undefined, 'undefined'],
    [null, 'null'], [[1.5, NaN], '[1.5, NaN]'], [new Float64Array(3), 'a Float64Array of 3 values'], [{ a: 1 }, 'an object with keys a'],
    [Array(20).fill(0), 'an array of 20 values ([0, 0, 0, 0, ...])'], [() => 1, 'a function'],
  ])('%p -> %s', (v, s) => expect(describeValue(v)).toBe(s));
});

describe('the model API', () => {
  const m = presets.kerasTutorial({ threads: 1 });
  test('a fractional batch size in a shape is refused', async () => {
    const x = { data: new Float32Array(1176), shape: [1.5, 28, 28, 1] };
    await expect(m.predict(x)).rejects.toThrow(/predict: x: shape \[1.5, 28, 28, 1\] must hold whole numbers >= 0, but axis 0 is 1.5/);
  });
  test.each([
    ['epochs NaN', () => m.fit(xs(), xs(), { epochs: NaN }), /epochs must be a positive integer, got NaN/],
    ['batchSize Infinity', () => m.fit(xs(), xs(), { batchSize: Infinity }), /batchSize must be a positive integer, got Infinity/],
    ['predict batchSize -Infinity', () => m.predict(xs(), { batchSize: -Infinity }), /got -Infinity/],
  ])('%s is named, not null', async (_n, call, message) => {
    await expect(call()).rejects.toThrow(message);
  });
  test('layer options: NaN filters', () => {
    expect(() => layers.conv2d({ filters: NaN, kernelSize: 3 })).toThrow(/filters must be a positive integer, got NaN/);
  });
  test('setWeights with plain number arrays says what it got and what it needs', () => {
    const d = new Sequential({ inputShape: [3] }, [layers.dense({ units: 2 })]);
    expect(() => d.setWeights([[1, 2, 3, 4, 5, 6] as unknown as Float32Array, new Float32Array(2)]))
      .toThrow(/dense\/kernel needs a Float32Array of 6 values \(shape \[3,2\]\) or \{ data: Float32Array \}, got \[1, 2, 3, 4, 5, 6\] \(wrap plain arrays: new Float32Array\(values\)\)/);
  });
  test.each([
    [optimizers.adam({ beta1: 2 }), /adam: beta1 must be in \[0, 1\), got 2/],
    [optimizers.adam({ beta2: 1 }), /adam: beta2 must be in \[0, 1\), got 1/],
    [optimizers.adam({ learningRate: NaN }), /adam: learningRate must be a finite number >= 0, got NaN/],
    [optimizers.adam({ epsilon: 0 }), /adam: epsilon must be a finite number > 0, got 0/],
    [optimizers.adadelta({ rho: 1.5 }), /adadelta: rho must be in \[0, 1\), got 1.5/],
    [optimizers.rmsprop({ rho: -0.1 }), /rmsprop: rho must be in \[0, 1\), got -0.1/],
    [optimizers.sgd({ momentum: 2 }), /sgd: momentum must be in \[0, 1\], got 2/],
    [optimizers.sgd({ nesterov: 'yes' as unknown as boolean }), /sgd: nesterov must be true or false, got "yes"/],
    [optimizers.adagrad({ initialAccumulatorValue: -1 }), /adagrad: initialAccumulatorValue must be a finite number >= 0, got -1/],
    [{ type: 'adam', beta_1: 0.5 } as never, /optimizer adam: unknown option "beta_1" \(did you mean "beta1"\?\); the options are type, learningRate, beta1, beta2, epsilon/],
  ])('optimizer %#: hyper-parameters out of range are refused', (optimizer, message) => {
    expect(() => presets.kerasTutorial().compile({ optimizer, loss: 'mse' })).toThrow(message);
  });
  test('in-range hyper-parameters still compile', () => {
    presets.kerasTutorial().compile({ optimizer: optimizers.sgd({ momentum: 0.9, nesterov: true }), loss: 'mse' });
    presets.kerasTutorial().compile({ optimizer: optimizers.adam({ beta1: 0, beta2: 0.99 }), loss: 'mse' });
  });
  test("variant: 'gpu' is refused, naming the variants", async () => {
    const g = presets.kerasTutorial({ variant: 'gpu' as never });
    await expect(g.engineInfo()).rejects.toThrow(/unknown variant "gpu"; use one of 'auto', 'auto-relaxed', 'relaxed-simd-threads', 'relaxed-simd', 'simd-threads', 'simd', 'scalar'/);
  });
});

describe('IDX sources', () => {
  test('loadIdx(123) says it needs bytes or a path', async () => {
    await expect(loadIdx(123 as never)).rejects.toThrow(/loadIdx: IDX data: give the file's bytes \(a Uint8Array or ArrayBuffer\) or a file path \(string\), got 123/);
  });
  test('decodeIdx of a number says it needs bytes', async () => {
    await expect(decodeIdx(16 as never)).rejects.toThrow(/decodeIdx: IDX data: give the file's bytes \(a Uint8Array or ArrayBuffer\), got 16/);
  });
});

describe('negative flag values', () => {
  test('npm start --epochs -3: must be a positive integer', () => {
    expect(() => parseTutorialArgs(['--epochs', '-3'])).toThrow('--epochs must be a positive integer, got "-3"');
    expect(() => parseTutorialArgs(['--noise', '-0.5'])).toThrow('--noise must be a number ≥ 0, got "-0.5"');
  });
  test('denoise-wasm train --epochs -3: must be a positive integer', async () => {
    let err = '';
    const code = await main(['train', '--epochs', '-3', '-o', 'never'], { out: { write: () => true }, err: { write: (s: string) => (err += s) } });
    expect(code).toBe(2);
    expect(err).toBe('denoise-wasm train: --epochs must be a positive integer, got "-3"\n');
  });
});

function xs() {
  return tensor(new Float32Array(2 * 784).fill(0.5), [2, 28, 28, 1]);
}
