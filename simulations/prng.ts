/**
 * A small seeded PRNG for Monte Carlo: mulberry32 (Tommy Ettinger, public domain). 32 bits of
 * state, period 2^32, passes gjrand/PractRand to ~2^32 outputs — ample for ≤ 10 M draws, and the
 * same seed gives the same sequence on every machine (pure 32-bit integer arithmetic).
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
 * Standard normal deviates by Box–Muller from a uniform source in [0, 1). 1 − u keeps the
 * logarithm's argument in (0, 1]. Both deviates of a pair are used, so two uniforms make two normals.
 */
export function normalSource(uniform: () => number): () => number {
  let spare: number | undefined;
  return (): number => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}
