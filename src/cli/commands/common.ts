// What the denoise-wasm commands share: output streams, flag parsing that turns every mistake into one
// line, and reading models and images.
import { readFile } from 'node:fs/promises';
import { loadModel } from '../../io/model-io.js';
import { presets } from '../../presets.js';
import type { LayersModel } from '../../model/model.js';
import { parseCommandLine, type FlagOptions, type FlagValues } from '../flags.js';

export { intFlag, numberFlag, threadsFlag, UsageError } from '../flags.js';

/** Where a command writes: results to out, progress and messages to err. */
export interface CliIo {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown; isTTY?: boolean; columns?: number };
}

/** Anything else that stops a command: a missing file, an unreadable image (exit code 1). */
export class CommandError extends Error {}

export interface Command {
  name: string;
  summary: string;
  help: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

/** The command's flags with -h/--help added; returns null when help was asked for (and printed). */
export function parseFlags(argv: string[], options: FlagOptions, command: Command, io: CliIo, positionals = 0):
    { values: FlagValues; positionals: string[] } | null {
  const parsed = parseCommandLine(argv, { ...options, help: { type: 'boolean', short: 'h' } }, `(see denoise-wasm ${command.name} --help)`, positionals);
  if (parsed.values.help) {
    io.out.write(command.help + '\n');
    return null;
  }
  return parsed;
}

/** How a shipped model is opened; channels picks the photo denoiser's grey (1) or colour (3) model. */
interface ShippedOptions { threads: 'auto' | number; compile: boolean; channels?: 1 | 3 }

/** The denoisers that ship with the package, by the names --model takes. */
export const SHIPPED_MODELS = {
  photo: { label: 'the photo denoiser', make: (options: ShippedOptions) => presets.photoDenoiser(options) },
  // The digit model is grey whatever the pictures (denoiseImage runs it channel by channel).
  digits: { label: 'the digit denoiser', make: ({ channels: _grey, ...options }: ShippedOptions) => presets.pretrained(options) },
};
export type ShippedModel = keyof typeof SHIPPED_MODELS;

/**
 * A saved model (directory or model.json), a shipped one by name ('photo', 'digits'; a folder of that
 * name is ./photo), or `fallback` (a shipped one) when `path` is undefined. `forTraining: false` skips the
 * training configuration and optimizer state (denoise and eval need only the weights, so a damaged
 * optimizer state does not stop them). `shipped` says which shipped model it is, if one. `channels` 3 opens the
 * photo denoiser's colour model (for colour pictures).
 */
export async function openModel(path: string | undefined, threads: 'auto' | number, forTraining = true, fallback: ShippedModel = 'digits',
    channels: 1 | 3 = 1): Promise<{ model: LayersModel; label: string; shipped?: ShippedModel }> {
  const name = path ?? fallback;
  if (name === 'photo' || name === 'digits') {
    const label = SHIPPED_MODELS[name].label + (name === 'photo' && channels === 3 ? ' (colour)' : '');
    return { model: SHIPPED_MODELS[name].make({ threads, compile: forTraining, channels }), label, shipped: name };
  }
  try {
    return { model: await loadModel(name, { threads, compile: forTraining }), label: name };
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
