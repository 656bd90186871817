// Training progress for a terminal: on a TTY one line redrawn in place with \r (epoch, bar, batch, loss,
// samples/s, ETA); otherwise (a pipe, a log file, CI) one line per epoch.
import { formatDuration } from './table.js';

/** Where progress goes: process.stderr, or anything with write (and isTTY / columns when it is a terminal). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressPlan {
  epochs: number;
  /** Training samples per epoch. */
  samples: number;
  batchSize: number;
}

export class Progress {
  private readonly batches: number;
  private readonly start: number;
  private epochStart: number;
  private done = 0;
  private epochLoss = 0;
  private epochSamples = 0;
  private lastDraw = 0;
  /** A TTY line is drawn and not yet ended by a newline. */
  private open = false;

  constructor(private readonly out: ProgressStream, private readonly plan: ProgressPlan, private readonly now = () => performance.now()) {
    this.batches = Math.ceil(plan.samples / plan.batchSize);
    this.start = this.epochStart = now();
  }

  /** After each batch: updates the counts and, on a TTY, redraws at most ten times a second. */
  batch(epoch: number, batch: number, size: number, loss: number): void {
    this.done += size;
    this.epochSamples += size;
    this.epochLoss += loss * size;
    if (!this.out.isTTY) return;
    const t = this.now();
    if (t - this.lastDraw < 100 && batch + 1 < this.batches) return;
    this.lastDraw = t;
    const width = 20;
    const filled = Math.round((width * (batch + 1)) / this.batches);
    const bar = `[${'='.repeat(filled)}${' '.repeat(width - filled)}]`;
    this.draw(`${this.epochLabel(epoch)} ${bar} batch ${batch + 1}/${this.batches}  loss ${(this.epochLoss / this.epochSamples).toFixed(4)}` +
      `  ${this.rate()}  ETA ${this.eta()}`);
  }

  /** After each epoch: one finished line with the epoch's loss and validation loss. */
  epoch(epoch: number, logs: { loss: number; val_loss?: number }): void {
    const seconds = (this.now() - this.epochStart) / 1000;
    const val = logs.val_loss === undefined ? '' : `  val_loss ${logs.val_loss.toFixed(4)}`;
    const eta = epoch + 1 < this.plan.epochs ? `  ETA ${this.eta()}` : '';
    this.draw(`${this.epochLabel(epoch)}  loss ${logs.loss.toFixed(4)}${val}  ${this.rate()}  ${seconds.toFixed(1)} s${eta}`);
    this.out.write('\n');
    this.open = false;
    this.epochStart = this.now();
    this.epochLoss = 0;
    this.epochSamples = 0;
  }

  /** Ends a half-drawn line (training stopped mid-epoch) so that what follows starts on its own line. */
  end(): void {
    if (this.open) this.out.write('\n');
    this.open = false;
  }

  /** Seconds since the start. */
  elapsed(): number {
    return (this.now() - this.start) / 1000;
  }

  /** Training samples per second so far. */
  samplesPerSecond(): number {
    const s = this.elapsed();
    return s > 0 ? this.done / s : 0;
  }

  private epochLabel(epoch: number): string {
    const n = String(this.plan.epochs);
    return `epoch ${String(epoch + 1).padStart(n.length)}/${n}`;
  }

  private rate(): string {
    return `${Math.round(this.samplesPerSecond()).toLocaleString('en-US')} samples/s`;
  }

  private eta(): string {
    const rate = this.samplesPerSecond();
    const left = this.plan.epochs * this.plan.samples - this.done;
    return rate > 0 ? formatDuration(left / rate) : '?';
  }

  private draw(line: string): void {
    if (!this.out.isTTY) {
      this.out.write(line);
      return;
    }
    const cols = this.out.columns ?? 0;
    // \r back to column 0, the line (cut to the terminal's width so it never wraps), then clear what is left.
    this.open = true;
    this.out.write(`\r${cols > 1 ? line.slice(0, cols - 1) : line}\x1b[K`);
  }
}
