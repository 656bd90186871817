// What Conv2D, Conv2DTranspose and Dense share about their weights: `useBias` (Keras's use_bias) and
// `kernelRegularizer` (Keras's kernel_regularizer L1/L2/L1L2, TF.js's tf.regularizers.l1l2): the
// penalty l1·Σ|w| + l2·Σw² is added to the loss and l1·sign(w) + l2·2w to dL/dw (src/engine/engine.ts).
import type { KerasConfigReader, WeightSpec } from '../layer.js';
import { describeValue, type OptionSpec } from '../../train/validate.js';

/** An L1/L2 weight penalty: `{ l2: 5e-4 }`, TF.js's `tf.regularizers.l1l2({ l1, l2 })`, or 'l1' / 'l2' / 'l1l2' (0.01 each, as Keras). */
export type Regularizer = { l1?: number; l2?: number } | 'l1' | 'l2' | 'l1l2';

export interface KernelOptions {
  /** Whether the layer adds a bias (default true; Keras's use_bias). */
  useBias?: boolean;
  /** Penalty on the kernel (Keras's kernel_regularizer); none by default. */
  kernelRegularizer?: Regularizer | null;
}

export const KERNEL_OPTIONS: OptionSpec<KernelOptions> = { useBias: 'value', kernelRegularizer: 'value' };

/** The normalised penalty a weight carries. */
export interface Penalty { l1: number; l2: number }

const DEFAULT_RATE = 0.01;   // Keras's and TF.js's default l1/l2 factor

function penaltyOf(v: unknown, where: string): Penalty | null {
  if (v === undefined || v === null) return null;
  if (v === 'l1') return { l1: DEFAULT_RATE, l2: 0 };
  if (v === 'l2') return { l1: 0, l2: DEFAULT_RATE };
  if (v === 'l1l2' || v === 'l1_l2') return { l1: DEFAULT_RATE, l2: DEFAULT_RATE };
  const o = v as { l1?: unknown; l2?: unknown; config?: unknown };
  // A Keras-style { className, config: { l1, l2 } } object, or one with l1/l2 fields (TF.js's L1L2 instances).
  const src = (typeof o === 'object' && o.config && typeof o.config === 'object' ? o.config : o) as { l1?: unknown; l2?: unknown };
  const rate = (r: unknown, key: string) => {
    if (r === undefined || r === null) return 0;
    if (typeof r !== 'number' || !Number.isFinite(r) || r < 0) throw new Error(`${where}: kernelRegularizer ${key} must be a number >= 0, got ${describeValue(r)}`);
    return r;
  };
  if (typeof src !== 'object' || (src.l1 === undefined && src.l2 === undefined)) {
    throw new Error(`${where}: kernelRegularizer must be { l1?, l2? } (e.g. { l2: 5e-4 }), tf.regularizers.l1l2(...) or 'l1' / 'l2' / 'l1l2', got ${describeValue(v)}`);
  }
  const p = { l1: rate(src.l1, 'l1'), l2: rate(src.l2, 'l2') };
  return p.l1 === 0 && p.l2 === 0 ? null : p;
}

/** useBias and kernelRegularizer of a layer's options, checked and normalised (what the config stores). */
export function kernelOptionsOf(args: KernelOptions | undefined, where: string): { useBias: boolean; kernelRegularizer: Penalty | null } {
  const useBias = args?.useBias ?? true;
  if (typeof useBias !== 'boolean') throw new Error(`${where}: useBias must be true or false, got ${describeValue(useBias)}`);
  return { useBias, kernelRegularizer: penaltyOf(args?.kernelRegularizer, where) };
}

/** The kernel (with its penalty) and, when the layer has one, the bias, as Keras names them. */
export function kernelAndBias(name: string, config: Record<string, unknown>, kernelShape: number[], fans: WeightSpec['fans'], units: number): WeightSpec[] {
  const penalty = config.kernelRegularizer as Penalty | null;
  const kernel: WeightSpec = { name: `${name}/kernel`, shape: kernelShape, fans, ...(penalty ? { regularizer: penalty } : {}) };
  return config.useBias === false ? [kernel] : [kernel, { name: `${name}/bias`, shape: [units] }];
}

/** use_bias and kernel_regularizer as Keras 2 and TF.js write them (TF.js knows the class L1L2 only). */
export function kernelOptionsToKeras(c: Record<string, unknown>): Record<string, unknown> {
  const p = c.kernelRegularizer as Penalty | null;
  return { use_bias: c.useBias !== false, kernel_regularizer: p ? { class_name: 'L1L2', config: { l1: p.l1, l2: p.l2 } } : null };
}

/** useBias and kernelRegularizer from a Keras config (L1, L2 and L1L2 classes); refuses penalties it cannot apply. */
export function kernelOptionsFromKeras(get: KerasConfigReader, fail: (what: string) => Error): KernelOptions {
  for (const key of ['bias_regularizer', 'activity_regularizer']) {
    if (get(key) !== undefined && get(key) !== null) throw fail(`${key} is not supported (only kernel_regularizer)`);
  }
  const useBias = get('use_bias') ?? true;
  if (typeof useBias !== 'boolean') throw fail(`use_bias must be true or false, got ${JSON.stringify(useBias)}`);
  const r = get('kernel_regularizer') as { class_name?: unknown; className?: unknown; config?: unknown } | null | undefined;
  if (r === undefined || r === null) return { useBias };
  const cls = r.class_name ?? r.className;
  if (cls !== 'L1L2' && cls !== 'L1' && cls !== 'L2' && cls !== 'L1L2Regularizer') {
    throw fail(`kernel_regularizer ${JSON.stringify(cls)} is not supported (L1, L2, L1L2)`);
  }
  const cfg = (r.config ?? {}) as { l1?: unknown; l2?: unknown };
  return { useBias, kernelRegularizer: { l1: (cfg.l1 ?? 0) as number, l2: (cfg.l2 ?? 0) as number } };
}
