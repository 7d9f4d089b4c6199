export { mulberry32 } from '../src/prng.ts';

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
