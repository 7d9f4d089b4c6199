import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The service's Prometheus metrics, on a registry of its own (no global state: two services in
 * one process, as in tests, do not collide). Amounts are exported in AO base units; Prometheus
 * values are doubles, so these gauges are for dashboards, and the exact figures are in /status.
 */
export interface ServiceMetrics {
  readonly registry: Registry;
  readonly ticksApplied: Counter;
  readonly tickDuration: Histogram;
  readonly lastTick: Gauge;
  readonly lagTicks: Gauge;
  readonly minted: Gauge<'pool'>;
  readonly credited: Gauge<'pool'>;
  readonly outbox: Gauge<'state'>;
  readonly sourceErrors: Counter<'pool'>;
  readonly deliveryErrors: Counter;
  readonly isLeader: Gauge;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): ServiceMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'ao_emission_' });
  const registers = [registry];
  return {
    registry,
    ticksApplied: new Counter({ name: 'ao_emission_ticks_applied_total', help: 'Ticks applied by this process', registers }),
    tickDuration: new Histogram({
      name: 'ao_emission_tick_duration_seconds',
      help: 'Wall time of one tick: snapshots, ledger transaction, settlement',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    lastTick: new Gauge({ name: 'ao_emission_last_tick', help: 'Last tick applied in the ledger', registers }),
    lagTicks: new Gauge({ name: 'ao_emission_lag_ticks', help: 'Ticks ended but not yet applied', registers }),
    minted: new Gauge({ name: 'ao_emission_minted_base_units', help: 'AO minted into each pool (base units, 10^-12 AO)', labelNames: ['pool'], registers }),
    credited: new Gauge({ name: 'ao_emission_credited_base_units', help: 'AO credited by settlements of each pool (base units)', labelNames: ['pool'], registers }),
    outbox: new Gauge({ name: 'ao_emission_outbox_messages', help: 'Outbox messages by state', labelNames: ['state'], registers }),
    sourceErrors: new Counter({ name: 'ao_emission_source_errors_total', help: 'Snapshots that failed', labelNames: ['pool'], registers }),
    deliveryErrors: new Counter({ name: 'ao_emission_delivery_errors_total', help: 'AO delivery rounds that failed', registers }),
    isLeader: new Gauge({ name: 'ao_emission_leader', help: '1 while this process holds the leader lock', registers }),
  };
}
