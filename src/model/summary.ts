// model.summary(): the table Keras prints.
import type { BuiltLayer } from './layers.js';

/** Keras-style summary: layer (type), output shape with the batch axis as None, parameter count. */
export function formatSummary(name: string, layers: readonly BuiltLayer[]): string {
  // Keras's column widths, widened when a name or shape would not fit.
  const WIDTHS = [
    Math.max(29, ...layers.map((l) => l.name.length + l.className.length + 5)),
    Math.max(26, ...layers.map((l) => l.outputShape.join(', ').length + 10)),
    10,
  ];
  const row = (cells: string[]) => cells.map((c, i) => (' ' + c).padEnd(WIDTHS[i])).join('').trimEnd();
  const total = WIDTHS.reduce((a, b) => a + b, 0);
  const lines = [`Model: "${name}"`, '_'.repeat(total), row(['Layer (type)', 'Output Shape', 'Param #']), '='.repeat(total)];
  let params = 0;
  layers.forEach((l, i) => {
    const n = l.weights.reduce((a, w) => a + w.shape.reduce((x, y) => x * y, 1), 0);
    params += n;
    lines.push(row([`${l.name} (${l.className})`, `(None, ${l.outputShape.join(', ')})`, n.toLocaleString('en-US')]));
    if (i < layers.length - 1) lines.push('');
  });
  lines.push('='.repeat(total));
  lines.push(`Total params: ${params.toLocaleString('en-US')}`);
  lines.push(`Trainable params: ${params.toLocaleString('en-US')}`);
  lines.push('Non-trainable params: 0');
  lines.push('_'.repeat(total));
  return lines.join('\n');
}
