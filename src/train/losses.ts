// Loss names as Keras and TF.js spell them.
import * as L from '../engine/plan-layout.js';
import type { LossCode } from '../engine/engine.js';

export type LossName = 'binaryCrossentropy' | 'meanSquaredError' | 'meanAbsoluteError';

const ALIASES: Record<string, LossName> = {
  binaryCrossentropy: 'binaryCrossentropy', binary_crossentropy: 'binaryCrossentropy', bce: 'binaryCrossentropy',
  meanSquaredError: 'meanSquaredError', mean_squared_error: 'meanSquaredError', mse: 'meanSquaredError',
  meanAbsoluteError: 'meanAbsoluteError', mean_absolute_error: 'meanAbsoluteError', mae: 'meanAbsoluteError',
};

const CODES: Record<LossName, LossCode> = {
  binaryCrossentropy: L.LOSS_BCE, meanSquaredError: L.LOSS_MSE, meanAbsoluteError: L.LOSS_MAE,
};

/** The canonical name of a loss, or a clear error listing the ones there are. */
export function resolveLoss(name: string): LossName {
  const n = ALIASES[name];
  if (!n) throw new Error(`compile: unknown loss ${JSON.stringify(name)}; use binaryCrossentropy, meanSquaredError or meanAbsoluteError`);
  return n;
}

export function lossCode(name: LossName): LossCode {
  return CODES[name];
}
