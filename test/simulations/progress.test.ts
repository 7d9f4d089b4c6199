import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PROGRESS_MIN_ITEMS, progressBar } from '../../simulations/progress.ts';

/** A stream that says it is (or is not) a terminal and records what is written to it. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const pass = new PassThrough();
  const chunks: string[] = [];
  pass.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  Object.assign(pass, { isTTY, columns: 100, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream: pass as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

describe('progress bar', () => {
  it('draws on a terminal for a long job and stays silent on a pipe or for a short job', async () => {
    const tty = fakeStream(true);
    const bar = progressBar('sweep', tty.stream);
    for (let done = 0; done <= 10_000; done += 1000) bar.update(done, 10_000);
    bar.stop();
    const pipe = fakeStream(false);
    const silent = progressBar('sweep', pipe.stream);
    silent.update(5_000, 10_000);
    silent.stop();
    const short = fakeStream(true);
    const small = progressBar('sweep', short.stream);
    small.update(10, PROGRESS_MIN_ITEMS - 1);
    small.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(tty.text()).toMatch(/sweep \[.*\] \d+% \d+\/10000/);
    expect(pipe.text()).toBe('');
    expect(short.text()).toBe('');
  });
});
