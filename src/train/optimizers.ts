// Optimizer configs: Keras/TF.js names and defaults, turned into the runner's slots.
import * as L from '../engine/plan-layout.js';
import { freshSlotState, type OptimizerSlots, type SlotState } from '../engine/engine.js';
import { checkOptions, describeValue } from './validate.js';

export type OptimizerName = 'adadelta' | 'adam' | 'sgd' | 'adagrad' | 'rmsprop';

export interface OptimizerConfig {
  type: OptimizerName;
  learningRate?: number;
  /** adadelta, rmsprop: decay of the running averages. */
  rho?: number;
  epsilon?: number;
  /** adam */
  beta1?: number;
  beta2?: number;
  /** sgd, rmsprop */
  momentum?: number;
  /** sgd */
  nesterov?: boolean;
  /** adagrad */
  initialAccumulatorValue?: number;
  /** rmsprop */
  centered?: boolean;
  /**
   * adadelta: 'keras' (default) divides by the running average that includes this step's gradient, as
   * Keras, TF and the paper do; 'tfjs' uses the one from before the step, as TensorFlow.js 4.x does.
   */
  order?: 'keras' | 'tfjs';
}

/** Backend epsilon of Keras and TF.js. */
export const EPSILON = 1e-7;

// The defaults tfjs-layers gives the string names (Keras 1's: adadelta at lr 1.0).
const DEFAULTS: Record<OptimizerName, Partial<OptimizerConfig>> = {
  adadelta: { learningRate: 1.0, rho: 0.95, epsilon: EPSILON, order: 'keras' },
  adam: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: EPSILON },
  sgd: { learningRate: 0.01, momentum: 0, nesterov: false },
  adagrad: { learningRate: 0.01, initialAccumulatorValue: 0.1 },
  rmsprop: { learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: EPSILON, centered: false },
};

// Allowed hyper-parameters (NaN fails every test). A decay or beta of 1 never forgets (adam then divides
// by 1 - beta^t = 0); epsilon 0 divides 0 by 0 on a zero gradient.
const finite = (lo: number) => (v: number) => v >= lo && v < Infinity;
const RANGES: Record<'learningRate' | 'rho' | 'beta1' | 'beta2' | 'momentum' | 'epsilon' | 'initialAccumulatorValue',
    { ok: (v: number) => boolean; say: string }> = {
  learningRate: { ok: finite(0), say: 'a finite number >= 0' },
  rho: { ok: (v) => v >= 0 && v < 1, say: 'in [0, 1)' },
  beta1: { ok: (v) => v >= 0 && v < 1, say: 'in [0, 1)' },
  beta2: { ok: (v) => v >= 0 && v < 1, say: 'in [0, 1)' },
  momentum: { ok: (v) => v >= 0 && v <= 1, say: 'in [0, 1]' },
  epsilon: { ok: (v) => v > 0 && v < Infinity, say: 'a finite number > 0' },
  initialAccumulatorValue: { ok: finite(0), say: 'a finite number >= 0' },
};

/** Optimizer factories; unspecified fields take the defaults of the string names. */
export const optimizers = {
  adadelta: (c: Omit<OptimizerConfig, 'type'> = {}): OptimizerConfig => ({ type: 'adadelta', ...c }),
  adam: (c: Omit<OptimizerConfig, 'type'> = {}): OptimizerConfig => ({ type: 'adam', ...c }),
  sgd: (c: Omit<OptimizerConfig, 'type'> = {}): OptimizerConfig => ({ type: 'sgd', ...c }),
  adagrad: (c: Omit<OptimizerConfig, 'type'> = {}): OptimizerConfig => ({ type: 'adagrad', ...c }),
  rmsprop: (c: Omit<OptimizerConfig, 'type'> = {}): OptimizerConfig => ({ type: 'rmsprop', ...c }),
};

/** A name or config with every default filled in, checked. */
export function resolveOptimizer(o: OptimizerName | OptimizerConfig): Required<Pick<OptimizerConfig, 'type'>> & OptimizerConfig {
  const cfg = typeof o === 'string' ? { type: o } : o;
  const name = cfg?.type;
  if (!name || !(name in DEFAULTS)) {
    throw new Error(`compile: unknown optimizer ${JSON.stringify(o)}; use one of ${Object.keys(DEFAULTS).join(', ')} ` +
      `or optimizers.adam({ learningRate: ... })`);
  }
  // An optimizer's options are the ones its defaults name.
  const spec = Object.fromEntries(['type', ...Object.keys(DEFAULTS[name])].map((k) => [k, 'value' as const]));
  checkOptions<object>(cfg, spec, `compile: optimizer ${name}`, { lr: 'the learning rate is learningRate' });
  const given = stripUndefined(cfg);
  const full: OptimizerConfig = { ...DEFAULTS[name], ...given, type: name };
  for (const [k, { ok, say }] of Object.entries(RANGES) as Array<[keyof typeof RANGES, { ok: (v: number) => boolean; say: string }]>) {
    const v = full[k];
    if (v !== undefined && !(typeof v === 'number' && ok(v))) {
      throw new Error(`compile: optimizer ${name}: ${k} must be ${say}, got ${describeValue(v)}`);
    }
  }
  for (const k of ['nesterov', 'centered'] as const) {
    if (full[k] !== undefined && typeof full[k] !== 'boolean') {
      throw new Error(`compile: optimizer ${name}: ${k} must be true or false, got ${describeValue(full[k])}`);
    }
  }
  if (full.order !== undefined && full.order !== 'keras' && full.order !== 'tfjs') {
    throw new Error(`compile: optimizer adadelta: order must be 'keras' or 'tfjs', got ${describeValue(full.order)}`);
  }
  return full as Required<Pick<OptimizerConfig, 'type'>> & OptimizerConfig;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The runner's slots for a resolved config (1 - x derived in f64, as TF.js does before rounding to f32). */
export function optimizerSlots(c: OptimizerConfig): OptimizerSlots {
  const lr = c.learningRate!;
  switch (c.type) {
    case 'sgd':
      return { kind: L.OPT_SGD, lr, p1: c.momentum, flag: !!c.nesterov };
    case 'adadelta':
      return { kind: L.OPT_ADADELTA, lr, p1: c.rho, p2: 1 - c.rho!, epsilon: c.epsilon, flag: c.order === 'tfjs' };
    case 'adam':
      return { kind: L.OPT_ADAM, lr, p1: c.beta1, p2: 1 - c.beta1!, p3: c.beta2, p4: 1 - c.beta2!, epsilon: c.epsilon,
        betas: [c.beta1!, c.beta2!] };
    case 'adagrad':
      return { kind: L.OPT_ADAGRAD, lr, epsilon: EPSILON, initialAccumulator: c.initialAccumulatorValue };
    case 'rmsprop':
      return { kind: L.OPT_RMSPROP, lr, p1: c.rho, p2: 1 - c.rho!, p3: c.momentum, epsilon: c.epsilon, flag: !!c.centered };
  }
}

/**
 * Training state of the optimizer, for saving and resuming: three flat slot arrays of countParams()
 * floats each (in getWeights() order; which slots an optimizer uses: adadelta accumulated g² and
 * updates², adam m and v, sgd momentum, adagrad accumulator, rmsprop mean square, momentum and mean
 * gradient), adam's running beta powers, and the number of training steps taken since compile().
 */
export interface OptimizerState extends SlotState {
  iterations: number;
}

/** The state of optimizer c over numParams weights before its first step. */
export function freshOptimizerState(c: OptimizerConfig, numParams: number): OptimizerState {
  return { ...freshSlotState(optimizerSlots(c), numParams), iterations: 0 };
}
