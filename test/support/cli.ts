import { runCli } from '../../src/service/cli.ts';

/**
 * `ao-emission …` in-process, as a user would run it: stdout and stderr captured, the exit code
 * runCli answers, process.exitCode reset before and after so one call cannot leak into the next.
 */
export async function cliCaptured(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((err += String(chunk)), true)) as typeof process.stderr.write;
  try {
    process.exitCode = undefined;
    return { code: await runCli(argv), out, err };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
    process.exitCode = undefined;
  }
}
