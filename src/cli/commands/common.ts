// What the denoise-wasm commands share: output streams, flag parsing that turns every mistake into one
// line, and reading models and images.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFile } from 'node:fs/promises';
import { loadModel } from '../../io/model-io.js';
import { presets } from '../../presets.js';
import type { LayersModel } from '../../model/model.js';
import { describeValue } from '../../train/validate.js';
import { attachNegativeValues } from '../flags.js';

/** Where a command writes: results to out, progress and messages to err. */
export interface CliIo {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown; isTTY?: boolean; columns?: number };
}

/** A mistake on the command line (exit code 2). */
export class UsageError extends Error {}
/** Anything else that stops a command: a missing file, an unreadable image (exit code 1). */
export class CommandError extends Error {}

export interface Command {
  name: string;
  summary: string;
  help: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with -h/--help added; returns null when help was asked for (and printed). */
export function parseFlags<O extends Options>(argv: string[], options: O, command: Command, io: CliIo, positionals = 0):
    { values: Record<string, string | boolean | undefined>; positionals: string[] } | null {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    const all = { ...options, help: { type: 'boolean', short: 'h' } } as Options;
    parsed = parseArgs({ args: attachNegativeValues(argv, all as Record<string, { type: string; short?: string }>), options: all, strict: true, allowPositionals: positionals > 0 }) as typeof parsed;
  } catch (e) {
    throw new UsageError(explainParseError(e as Error & { code?: string }, command.name));
  }
  if (parsed.values.help) {
    io.out.write(command.help + '\n');
    return null;
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals])} (see denoise-wasm ${command.name} --help)`);
  }
  for (const [k, v] of Object.entries(parsed.values)) {
    if (typeof v === 'string' && v.trim() === '') throw new UsageError(`--${k} needs a value, got an empty string`);
  }
  return parsed;
}

function explainParseError(e: Error & { code?: string }, command: string): string {
  const flag = /'(-{1,2}[^' <]+)/.exec(e.message)?.[1];
  const see = `(see denoise-wasm ${command} --help)`;
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return `unknown flag ${flag ?? ''} ${see}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': return `unexpected argument ${/'([^']*)'/.exec(e.message)?.[1] ?? ''} ${see}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(e.message)) return `${flag} takes no value`;
      return `${flag} needs a value ${see}`;
    default: return e.message.split('\n')[0];
  }
}

/** An integer flag ≥ min, or the fallback when absent. */
export function intFlag(values: Record<string, unknown>, name: string, fallback: number, min = 1): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = /^\s*\d+\s*$/.test(String(v)) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be ${min === 1 ? 'a positive integer' : `an integer >= ${min}`}, got ${describeValue(v)}`);
  }
  return n;
}

/** A number flag ≥ 0, or the fallback when absent. */
export function numberFlag(values: Record<string, unknown>, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new UsageError(`--${name} must be a number >= 0, got ${describeValue(v)}`);
  return x;
}

/** --threads: 'auto' or a positive integer. */
export function threadsFlag(values: Record<string, unknown>): 'auto' | number {
  return values.threads === undefined || values.threads === 'auto' ? 'auto' : intFlag(values, 'threads', 1);
}

/**
 * A saved model (directory or model.json), or the pretrained denoiser when `path` is undefined.
 * `forTraining: false` skips the training configuration and optimizer state (denoise and eval need
 * only the weights, so a damaged optimizer state does not stop them).
 */
export async function openModel(path: string | undefined, threads: 'auto' | number, forTraining = true): Promise<{ model: LayersModel; label: string }> {
  if (path === undefined) return { model: presets.pretrained({ threads }), label: 'the pretrained denoiser' };
  try {
    return { model: await loadModel(path, { threads, compile: forTraining }), label: path };
  } catch (e) {
    throw new CommandError((e as Error).message.replace(/^loadModel: /, 'cannot load the model '));
  }
}

/** A file's bytes, with a one-line error naming it. */
export async function readInput(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CommandError(code === 'ENOENT' ? `${what} ${path} does not exist` : code === 'EISDIR' ? `${what} ${path} is a directory, not a file` : `cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}
