import cliProgress from 'cli-progress';
import type { Progress } from './sweep.ts';

/**
 * A progress bar on stderr for long sweeps and Monte Carlo, shown only when stderr is a terminal
 * and the job is big enough to be worth one (so pipes, CI logs and --json stay clean).
 */
export const PROGRESS_MIN_ITEMS = 2_000;

export interface Bar {
  readonly update: Progress;
  stop(): void;
}

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Bar {
  if (!stream.isTTY) return { update: () => {}, stop: () => {} };
  let bar: cliProgress.SingleBar | undefined;
  return {
    update: (done, total) => {
      if (total < PROGRESS_MIN_ITEMS) return;
      if (!bar) {
        bar = new cliProgress.SingleBar({ stream, format: `${label} [{bar}] {percentage}% {value}/{total}`, hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
        bar.start(total, 0);
      }
      bar.update(done);
    },
    stop: () => bar?.stop(),
  };
}
