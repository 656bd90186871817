// The messages between a page's RemoteEngine and the engine in its Web Worker (engine-worker.ts).
// Every request carries an id and gets one reply with that id; the worker handles requests one at a
// time, in the order they were posted. Arrays travel as transferred buffers (never copied twice).
import type { EngineInfo, EngineOptions, Graph, LossCode, OptimizerSlots, Samples, SlotState } from '../engine/engine.js';


export type Request =
  | { op: 'create'; graph: Graph; options: Omit<EngineOptions, 'wasmBase'> & { wasmBase?: string } }
  | { op: 'setLoss'; loss: LossCode }
  | { op: 'setOptimizer'; optimizer: OptimizerSlots }
  | { op: 'setInputGradient'; on: boolean }
  | { op: 'setParams'; values: Float32Array }
  | { op: 'setOptimizerState'; state: SlotState }
  | { op: 'setStep'; step: number }
  /** n consecutive samples (x, and y when given), already gathered by the page; bytes stand for b / 255. */
  | { op: 'load'; n: number; x: Samples; y?: Samples }
  | { op: 'forward'; n: number }
  | { op: 'forwardAll'; n: number }
  | { op: 'evaluate'; n: number }
  | { op: 'gradients'; n: number }
  | { op: 'trainStep'; n: number }
  | { op: 'trap'; tid: number }
  | { op: 'dispose' };

/** What each request resolves to (the page mirrors weights and state so that its getters stay synchronous). */
export interface Replies {
  create: { info: EngineInfo; memoryBytes: number };
  forward: { output: Float32Array; memoryBytes: number };
  forwardAll: { outputs: Float32Array[]; memoryBytes: number };
  evaluate: { loss: number; memoryBytes: number };
  gradients: { loss: number; grads: Float32Array; inputGradient: Float32Array | null; memoryBytes: number };
  trainStep: { loss: number; params: Float32Array; grads: Float32Array; state: SlotState; memoryBytes: number };
}

export type ReplyOf<O extends Request['op']> = O extends keyof Replies ? Replies[O] : { memoryBytes: number };

export type Envelope = Request & { id: number };

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
