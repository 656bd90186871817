// Flags for both command lines (npm start and denoise-wasm): one parser that turns every mistake into
// one line naming the flag and the fix, and the checks of flag values.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MAX_THREADS } from '../model/model.js';
import { describeValue } from '../train/validate.js';

/** A mistake on the command line (exit code 2). */
export class UsageError extends Error {}

export type FlagOptions = NonNullable<ParseArgsConfig['options']>;
export type FlagValues = Record<string, string | boolean | undefined>;

/**
 * parseArgs, strict, with every mistake as a UsageError: `seeHelp` ends the messages that need it (e.g.
 * "(see denoise-wasm eval --help)"); more than `positionals` plain arguments, or an empty value, is a mistake.
 */
export function parseCommandLine(argv: string[], options: FlagOptions, seeHelp: string, positionals = 0): { values: FlagValues; positionals: string[] } {
  let parsed: { values: FlagValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: attachNegativeValues(argv, options), options, strict: true, allowPositionals: positionals > 0 }) as typeof parsed;
  } catch (e) {
    throw new UsageError(explainParseError(e as Error & { code?: string }, seeHelp));
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals])} ${seeHelp}`);
  }
  for (const [k, v] of Object.entries(parsed.values)) {
    if (typeof v === 'string' && v.trim() === '') throw new UsageError(`--${k} needs a value, got an empty string`);
  }
  return parsed;
}

/**
 * parseArgs reads `--epochs -3` as a flag without its value (and says "needs a value"). A value flag
 * followed by a negative number takes it as its value (`--epochs=-3`), so the flag's own check can say
 * what is wrong with the number.
 */
function attachNegativeValues(argv: string[], options: FlagOptions): string[] {
  const takesValue = (arg: string) => {
    if (arg.startsWith('--')) return options[arg.slice(2)]?.type === 'string';
    return /^-[^-]$/.test(arg) && Object.values(options).some((o) => o.type === 'string' && `-${o.short}` === arg);
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (takesValue(argv[i]) && i + 1 < argv.length && /^-(\d|\.\d|Infinity)/.test(argv[i + 1])) {
      out.push(`${argv[i]}=${argv[i + 1]}`);
      i++;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

/** parseArgs's messages are several lines and mention its own jargon; say it in one line instead. */
function explainParseError(e: Error & { code?: string }, seeHelp: string): string {
  const flag = /'(-{1,2}[^' <]+)/.exec(e.message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag ?? e.message} ${seeHelp}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(e.message)?.[1] ?? ''}: flags start with -- ${seeHelp}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(e.message)) return `${flag} is a switch and takes no value`;
      if (/ambiguous/.test(e.message)) return `${flag} needs a value; for one that starts with a dash write ${flag}=VALUE`;
      return `${flag} needs a value ${seeHelp}`;
    default:
      return e.message.split('\n')[0];
  }
}

/** An integer flag ≥ min, or the fallback when absent. */
export function intFlag(values: FlagValues, name: string, fallback: number, min = 1): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = /^\s*\d+\s*$/.test(String(v)) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be ${min === 1 ? 'a positive integer' : `an integer ≥ ${min}`}, got ${describeValue(v)}`);
  }
  return n;
}

/** A number flag that `ok` accepts (`what` says which: 'a number ≥ 0'), or the fallback when absent. */
export function numberFlag(values: FlagValues, name: string, fallback: number, what = 'a number ≥ 0', ok = (x: number) => x >= 0): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const x = Number(v);
  if (!Number.isFinite(x) || !ok(x)) throw new UsageError(`--${name} must be ${what}, got ${describeValue(v)}`);
  return x;
}

/**
 * --threads: 'auto' (one per core) or an integer from 1 to MAX_THREADS, checked here so that a bad value
 * is a mistake on the command line (exit 2) rather than an engine error after the model is built.
 */
export function threadsFlag(values: FlagValues): 'auto' | number {
  const v = values.threads;
  if (v === undefined || v === 'auto') return 'auto';
  const n = /^\s*\d+\s*$/.test(String(v)) ? Number(v) : NaN;
  if (!(Number.isSafeInteger(n) && n >= 1 && n <= MAX_THREADS)) {
    throw new UsageError(`--threads must be 'auto' or an integer from 1 to ${MAX_THREADS}, got ${describeValue(v)}` +
      (n > MAX_THREADS ? ` (a batch is cut into at most ${MAX_THREADS} chunks, so more threads cannot help)` : ''));
  }
  return n;
}

/**
 * The one line a CLI prints for an error: its message's first line, without the "denoise-wasm: " that
 * library errors start with (the CLI puts its own prefix in front).
 */
export function errorLine(e: unknown): string {
  const message = typeof (e as Error)?.message === 'string' ? (e as Error).message : String(e);
  return message.split('\n')[0].replace(/^denoise-wasm: /, '');
}
