import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/service/metrics.ts';

describe('metrics', () => {
  it("Node's default metrics carry the ao_emission_ prefix once (ao_emission_process_cpu_seconds_total, not ao_emission_process_process_…)", async () => {
    const names = (await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toContain('ao_emission_process_cpu_seconds_total');
    expect(names).toContain('ao_emission_ticks_applied_total');
    expect(names.filter((n) => n.includes('process_process'))).toEqual([]);
    expect(names.filter((n) => !n.startsWith('ao_emission_'))).toEqual([]);
  });
});
