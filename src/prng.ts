/**
 * A small seeded PRNG: mulberry32 (Tommy Ettinger, public domain). 32 bits of state, period 2^32,
 * passes gjrand/PractRand to ~2^32 outputs; the same seed gives the same sequence on every machine
 * (pure 32-bit integer arithmetic). Used wherever a run must be reproducible from its seed:
 * Monte Carlo simulations, seeded test histories, benches.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * xorshift32 (Marsaglia, shifts 13/17/5): the generator the demo's activity and the audit's test
 * histories were first seeded with, kept so those runs stay the same for the same seed. State 0
 * would stay 0 forever, so seed 0 starts from 0x9e3779b9.
 */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}
