// Sequential: a stack of layers, the special case of LayersModel where each layer reads the one before.
import { input, type Layer } from './layer.js';
import { LayersModel, MODEL_OPTIONS, nameLayers, type ModelOptions } from './model.js';
import { checkOptions, describeValue, type OptionSpec } from '../train/validate.js';

export type { CompileOptions, NamedWeight, OptimizerState, SaveOptions } from './model.js';

export interface SequentialOptions extends ModelOptions {
  /** Shape of one sample, without the batch axis: [28, 28, 1] for MNIST images, [784] flattened. */
  inputShape: number[];
}

const SEQUENTIAL_OPTIONS: OptionSpec<SequentialOptions> = { ...MODEL_OPTIONS, inputShape: 'value' };

export class Sequential extends LayersModel {
  protected override readonly chain = true;

  constructor(options: SequentialOptions, layerList: Layer[]) {
    if (options === undefined || options === null) throw new Error('Sequential: give the options first, e.g. new Sequential({ inputShape: [28, 28, 1] }, [layers...])');
    const { inputShape: shape, ...modelOptions } = checkOptions(options, SEQUENTIAL_OPTIONS, 'Sequential');
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`Sequential: inputShape must be positive integers, e.g. [28, 28, 1], got ${describeValue(shape)}`);
    }
    if (!Array.isArray(layerList) || layerList.length === 0) throw new Error('Sequential: give at least one layer');
    layerList.forEach((layer, i) => {
      if (!(layer && typeof (layer as Layer).applyAs === 'function')) throw new Error(`Sequential: layer ${i} is not a layer (use layers.conv2d(...) etc.), got ${describeValue(layer)}`);
      if (layer.arity === 'many') throw new Error(`Sequential: layer ${i} is a ${layer.className}, which merges several tensors; build such models with the functional API (input, layer.apply, model)`);
    });
    const names = nameLayers(layerList, 'Sequential');
    const first = input({ shape });
    let x = first;
    layerList.forEach((layer, i) => {
      try {
        x = layer.applyAs(x, names.get(layer)!);
      } catch (e) {
        throw new Error(`Sequential: layer ${i} (${names.get(layer)}) does not fit its input [${x.sampleShape}]: ${(e as Error).message}`);
      }
    });
    super({ ...modelOptions, inputs: first, outputs: x }, 'sequential');
  }
}
