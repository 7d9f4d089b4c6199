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
