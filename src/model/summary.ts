// model.summary(): the table Keras prints. A Sequential model gets Keras's Sequential layout; a graph
// model gets the functional one, with its InputLayer and a "Connected to" column.
import type { BuiltLayer, Shape } from './layer.js';

/** What a graph model adds: its layer applications, and its input. */
export interface SummaryGraph {
  nodes: ReadonlyArray<{ layer: string; inbound: Array<[string, number]> }>;
  inputName: string;
  inputShape: Shape;
}

/** Keras-style summary: layer (type), output shape with the batch axis as None, parameter count. */
export function formatSummary(name: string, layers: readonly BuiltLayer[], graph: SummaryGraph | null = null): string {
  type Row = [string, string, string, string];
  const params = (l: BuiltLayer) => l.weights.reduce((a, w) => a + w.shape.reduce((x, y) => x * y, 1), 0);
  const rows: Row[] = layers.map((l) => [`${l.name} (${l.className})`, `(None, ${l.outputShape.join(', ')})`,
    params(l).toLocaleString('en-US'), graph ? connections(graph, l.name) : '']);
  if (graph) rows.unshift([`${graph.inputName} (InputLayer)`, `[(None, ${graph.inputShape.join(', ')})]`, '0', '[]']);
  // Keras's column widths (Sequential: 29, 26, 10; functional: 33, 22, 12, then the connections),
  // widened when a cell would not fit.
  const base = graph ? [33, 22, 12] : [29, 26, 10];
  const widths = base.map((w, i) => Math.max(w, ...rows.map((r) => r[i].length + 2)));
  if (graph) widths.push(Math.max(32, ...rows.map((r) => r[3].length + 2)));
  const line = (cells: string[]) => cells.map((c, i) => (' ' + c).padEnd(widths[i])).join('').trimEnd();
  const total = widths.reduce((a, b) => a + b, 0);
  const header = graph ? ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'] : ['Layer (type)', 'Output Shape', 'Param #'];
  const lines = [`Model: "${name}"`, '_'.repeat(total), line(header), '='.repeat(total)];
  rows.forEach((r, i) => {
    lines.push(line(graph ? r : r.slice(0, 3)));
    if (i < rows.length - 1) lines.push('');
  });
  const count = (keep: (trainable: boolean) => boolean) => layers.reduce((a, l) =>
    a + l.weights.filter((w) => keep(w.trainable ?? true)).reduce((n, w) => n + w.shape.reduce((x, y) => x * y, 1), 0), 0).toLocaleString('en-US');
  lines.push('='.repeat(total), `Total params: ${count(() => true)}`, `Trainable params: ${count((t) => t)}`,
    `Non-trainable params: ${count((t) => !t)}`, '_'.repeat(total));
  return lines.join('\n');
}

/** Keras's "Connected to": every tensor the layer reads, over all its applications: ['conv2d[0][0]', ...]. */
function connections(graph: SummaryGraph, layer: string): string {
  const inbound = graph.nodes.filter((n) => n.layer === layer).flatMap((n) => n.inbound);
  return `[${inbound.map(([l, k]) => `'${l}[${k}][0]'`).join(', ')}]`;
}
