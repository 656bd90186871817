/**
 * The two graphs of issue 11's TF.js proof, written once and built by both libraries: a 2-level
 * U-Net-like model (concatenate skips) and a residual denoiser (input minus a conv stack's output).
 * Every layer has an explicit name, so that weights, gradients and files are matched by name.
 *
 * TF.js 4.22 has no Subtract layer (tf.layers has add, average, concatenate, maximum, minimum,
 * multiply, dot), so its twin of ours is TfSubtract below: Keras's Subtract as a TF.js custom layer
 * over tf.sub, registered under the class name 'Subtract' so that tf.loadLayersModel reads it.
 */
import * as tf from '@tensorflow/tfjs';
import { input, layers, model, type LayersModel, type ModelOptions, type NamedWeight, type SymbolicTensor } from '../../src/index.js';

/** Keras's Subtract (a - b) for TF.js, which lacks it. */
export class TfSubtract extends tf.layers.Layer {
  static className = 'Subtract';
  override computeOutputShape(shapes: tf.Shape[]): tf.Shape {
    return shapes[0];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, b] = inputs as tf.Tensor[];
    return tf.sub(a, b);
  }
}
tf.serialization.registerClass(TfSubtract);

/** What a graph recipe needs from a library (T: its symbolic tensor type). */
interface Lib<T> {
  input(name: string): T;
  conv(x: T, filters: number, name: string, activation?: 'relu' | 'sigmoid' | 'linear'): T;
  pool(x: T, name: string): T;
  up(x: T, name: string): T;
  concat(xs: T[], name: string): T;
  subtract(a: T, b: T, name: string): T;
  add(a: T, b: T, name: string): T;
}

const ours: Lib<SymbolicTensor> = {
  input: (name) => input({ shape: [28, 28, 1], name }),
  conv: (x, filters, name, activation = 'relu') => layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation, name }).apply(x),
  pool: (x, name) => layers.maxPooling2d({ poolSize: 2, name }).apply(x),
  up: (x, name) => layers.upSampling2d({ size: 2, name }).apply(x),
  concat: (xs, name) => layers.concatenate({ name }).apply(xs),
  subtract: (a, b, name) => layers.subtract({ name }).apply([a, b]),
  add: (a, b, name) => layers.add({ name }).apply([a, b]),
};

const theirs: Lib<tf.SymbolicTensor> = {
  input: (name) => tf.input({ shape: [28, 28, 1], name }),
  conv: (x, filters, name, activation = 'relu') =>
    tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation, name }).apply(x) as tf.SymbolicTensor,
  pool: (x, name) => tf.layers.maxPooling2d({ poolSize: 2, name }).apply(x) as tf.SymbolicTensor,
  up: (x, name) => tf.layers.upSampling2d({ size: [2, 2], name }).apply(x) as tf.SymbolicTensor,
  concat: (xs, name) => tf.layers.concatenate({ name }).apply(xs) as tf.SymbolicTensor,
  subtract: (a, b, name) => new TfSubtract({ name }).apply([a, b]) as tf.SymbolicTensor,
  add: (a, b, name) => tf.layers.add({ name }).apply([a, b]) as tf.SymbolicTensor,
};

/** A graph recipe; `probe` builds a slightly wrong variant (to show that a comparison can fail). */
type Recipe = <T>(lib: Lib<T>, probe: boolean) => { x: T; out: T };

/**
 * 28x28x1 -> enc1 (4) -> pool1 -> enc2 (4) -> pool2 -> mid (8) -> up2 -> skip2 = [enc2, up2] -> dec2 (4)
 * -> up1 -> skip1 = [up1, enc1] -> dec1 (4) -> out (1, sigmoid); 3x3 'same' convs. The skips take the
 * encoder first once and last once, so the channel order of concatenate matters both ways. Small
 * widths: TF.js cpu needs ~0.2 s per training step even so. Probe: skip2 reads [up2, enc2].
 */
export const uNet: Recipe = (lib, probe) => {
  const x = lib.input('img');
  const e1 = lib.conv(x, 4, 'enc1');
  const e2 = lib.conv(lib.pool(e1, 'pool1'), 4, 'enc2');
  const mid = lib.conv(lib.pool(e2, 'pool2'), 8, 'mid');
  const u2 = lib.up(mid, 'up2');
  const d2 = lib.conv(lib.concat(probe ? [u2, e2] : [e2, u2], 'skip2'), 4, 'dec2');
  const d1 = lib.conv(lib.concat([lib.up(d2, 'up1'), e1], 'skip1'), 4, 'dec1');
  return { x, out: lib.conv(d1, 1, 'out', 'sigmoid') };
};

/** noisy -> res1 (4, relu) -> res2 (4, relu) -> noise (1, linear); denoised = noisy - noise. Probe: noisy + noise. */
export const residual: Recipe = (lib, probe) => {
  const x = lib.input('noisy');
  const noise = lib.conv(lib.conv(lib.conv(x, 4, 'res1'), 4, 'res2'), 1, 'noise', 'linear');
  return { x, out: probe ? lib.add(x, noise, 'denoised') : lib.subtract(x, noise, 'denoised') };
};

export function oursModel(recipe: Recipe, options: ModelOptions = {}, probe = false): LayersModel {
  const { x, out } = recipe(ours, probe);
  return model({ ...options, inputs: x, outputs: out });
}

export function tfModel(recipe: Recipe, probe = false): tf.LayersModel {
  const { x, out } = recipe(theirs, probe);
  return tf.model({ inputs: x, outputs: out });
}

/** TF.js's weight names (layer/weight), in its own order (trainableWeights, as its gradients come). */
export function tfWeightNames(t: tf.LayersModel): string[] {
  return t.trainableWeights.map((w) => w.originalName);
}

/** Copies our weights into a TF.js model by name (its weight order need not be ours), checking names and shapes. */
export function copyWeightsByName(t: tf.LayersModel, weights: NamedWeight[]): void {
  const byName = new Map(weights.map((w) => [w.name, w]));
  const names = tfWeightNames(t);
  if (names.length !== weights.length || t.weights.length !== names.length) {
    throw new Error(`TF.js model has ${names.length} weights (${names}), ours ${weights.length}`);
  }
  t.setWeights(names.map((name, k) => {
    const w = byName.get(name);
    if (!w) throw new Error(`ours has no weight ${name}`);
    if (t.trainableWeights[k].shape.join() !== w.shape.join()) throw new Error(`${name}: TF.js [${t.trainableWeights[k].shape}] vs ours [${w.shape}]`);
    return tf.tensor(w.data, w.shape);
  }));
}
