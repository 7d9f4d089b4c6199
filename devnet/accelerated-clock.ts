import assert from 'node:assert';
import type { Clock } from '../src/clock.ts';
import { TICK_MS } from '../src/emission/index.ts';

/**
 * Simulated time that runs `ticksPerSecond` 5-minute ticks per real second from a fixed origin:
 * now = simStartMs + (wall − wallStartMs) · ticksPerSecond · 300. Processes given the same origin
 * agree on the time (the leader test runs two), and the runner's due ticks come from it exactly as
 * from the system clock in production.
 */
export function acceleratedClock(opts: { simStartMs: number; wallStartMs: number; ticksPerSecond: number; wall?: () => number }): Clock {
  assert(opts.ticksPerSecond > 0 && Number.isFinite(opts.ticksPerSecond), 'ticksPerSecond must be a positive number');
  const wall = opts.wall ?? Date.now;
  const factor = (opts.ticksPerSecond * TICK_MS) / 1000;
  return { nowMs: () => opts.simStartMs + Math.floor((wall() - opts.wallStartMs) * factor) };
}
