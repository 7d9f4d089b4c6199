import cron from 'node-cron';
import type { ScheduledTask } from 'node-cron';
import { TICK_SECONDS } from '../emission/index.ts';

/**
 * When the runner is woken. The runner itself decides which ticks are due from the injected
 * clock, so a trigger that fires late, early, twice or not at all never changes what is minted;
 * it only changes when.
 */
export interface Trigger {
  start(fire: () => void): void;
  stop(): Promise<void>;
}

/**
 * The cron expression (with seconds) that fires at every tick boundary genesis + k·300 s. The
 * default genesis 18:00:00Z gives "0 0-59/5 * * * *"; a genesis at 18:02:30Z gives "30 2-59/5 …".
 * A genesis with a sub-second part fires on the next whole second.
 */
export function tickCronExpression(genesisMs: number): string {
  const offsetS = Math.ceil((((genesisMs / 1000) % TICK_SECONDS) + TICK_SECONDS) % TICK_SECONDS) % TICK_SECONDS;
  return `${offsetS % 60} ${Math.floor(offsetS / 60)}-59/5 * * * *`;
}

export function cronTrigger(genesisMs: number): Trigger {
  let task: ScheduledTask | null = null;
  return {
    start(fire) {
      task = cron.schedule(tickCronExpression(genesisMs), () => fire(), { timezone: 'Etc/UTC', name: 'ao-emission-tick', noOverlap: false });
      // A run at start: ticks missed while the service was down are due now, not in 5 minutes.
      fire();
    },
    async stop() {
      await task?.destroy();
      task = null;
    },
  };
}

/** Fires only when asked (tests and the accelerated demo drive it). */
export function manualTrigger(): Trigger & { fire(): void } {
  let target: (() => void) | null = null;
  return {
    start(fire) {
      target = fire;
    },
    fire() {
      target?.();
    },
    async stop() {
      target = null;
    },
  };
}

/** Fires every `everyMs` of real time (the accelerated demo and the process tests). */
export function intervalTrigger(everyMs: number): Trigger {
  let timer: NodeJS.Timeout | null = null;
  return {
    start(fire) {
      timer = setInterval(fire, everyMs);
      fire();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
