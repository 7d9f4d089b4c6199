/** A positive-integer bench knob from the environment (BENCH_*), or its default. */
export function intKnob(name: string, fallback: number): number {
  const v = process.env[name];
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name}: ${v} is not a positive integer`);
  return n;
}
