// What both command lines (npm start and denoise-wasm) share about flags.

/**
 * parseArgs reads `--epochs -3` as a flag without its value (and says "needs a value"). A value flag
 * followed by a negative number takes it as its value (`--epochs=-3`), so the flag's own check can say
 * what is wrong with the number.
 */
export function attachNegativeValues(argv: string[], options: Record<string, { type: string; short?: string }>): string[] {
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
