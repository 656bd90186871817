// Conv2DTranspose (Keras semantics): the adjoint of a Conv2D, kernel stored as Keras does,
// [KH, KW, filters, inChannels]. Output size per axis (Keras's deconv_output_length, TF.js's deconvLength):
// 'same' in * stride, 'valid' in * stride + max(kernel - stride, 0). Padding is TF's for the Conv2D that
// maps the output back to the input (conv2d_transpose = conv2d_backprop_input): 'same' pads
// max(kernel - stride, 0) in total, the odd one after.
import * as L from '../../engine/plan-layout.js';
import { Layer, convAxis, expectImage, opSpec, type LayerBuild, type LayerType, type Padding, type Shape } from '../layer.js';
import { kernelAndBias } from './kernel-options.js';
import { CONV_NOTES, CONV_OPTIONS, convFromKeras, convOptions, convToKeras, type Conv2DArgs } from './conv2d.js';

/** The options of Conv2D (filters: the output's channels). */
export type Conv2DTransposeArgs = Conv2DArgs;

/** Output length along one axis, as Keras's deconv_output_length (output_padding None). */
function deconvLength(inSize: number, k: number, stride: number, padding: Padding): number {
  return padding === 'same' ? inSize * stride : inSize * stride + Math.max(k - stride, 0);
}

export class Conv2DTranspose extends Layer {
  readonly className = 'Conv2DTranspose';
  readonly namePrefix = 'conv2d_transpose';

  constructor(args: Conv2DTransposeArgs) {
    super(convOptions(args, `conv2dTranspose(${args?.name ?? ''})`));
  }

  build([input]: Shape[], name: string): LayerBuild {
    const { filters: F, kernelSize, strides, padding, activation } = this.config as Required<Conv2DTransposeArgs> & { kernelSize: [number, number]; strides: [number, number] };
    const [H, W, C] = expectImage(input, name);
    const [KH, KW] = kernelSize;
    const OH = deconvLength(H, KH, strides[0], padding), OW = deconvLength(W, KW, strides[1], padding);
    // The Conv2D from the output back to the input: its output grid must be exactly the input's.
    const h = convAxis(OH, KH, strides[0], padding), w = convAxis(OW, KW, strides[1], padding);
    if (h.out !== H || w.out !== W) throw new Error(`internal: conv2dTranspose geometry ${OH}x${OW} -> ${h.out}x${w.out}, expected ${H}x${W}`);
    return {
      outputShape: [OH, OW, F],
      // Keras's fans for a [KH, KW, F, C] kernel: fanIn from axis -2, fanOut from axis -1.
      weights: kernelAndBias(name, this.config, [KH, KW, F, C], { fanIn: KH * KW * F, fanOut: KH * KW * C }, F),
      // The record holds the adjoint Conv2D's geometry: from (OH, OW, F) to (H, W, C).
      op: opSpec(L.OP_CONV2D_TRANSPOSE, { activation, H: OH, W: OW, C: F, OH: H, OW: W, OC: C, KH, KW, SH: strides[0], SW: strides[1],
        padTop: h.before, padLeft: w.before }),
    };
  }
}

export const conv2dTransposeType: LayerType = {
  className: 'Conv2DTranspose',
  factory: 'conv2dTranspose',
  create: (args: Conv2DTransposeArgs) => new Conv2DTranspose(args),
  options: CONV_OPTIONS,
  optionNotes: { ...CONV_NOTES, outputPadding: "not supported: the output size is Keras's default (in x stride with 'same')" },
  fullyConvolutional: true,
  // The grid gets finer: callers that tile pictures only need the pooling of the whole model.
  gridStride: () => [1, 1],
  toKeras: (c) => ({ ...convToKeras(c), output_padding: null }),
  fromKeras(get, fail) {
    const op = get('output_padding');
    if (op !== undefined && op !== null) throw fail(`output_padding ${JSON.stringify(op)} is not supported (only null: Keras's default output size)`);
    return convFromKeras(get, fail);
  },
};
