// Small statistics for benchmark samples: percentiles (nearest rank), median and
// spread. Pure functions over arrays of numbers (milliseconds, bytes …).

/** Nearest-rank percentile of `samples` (p in [0, 100]); NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  const index = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  return sorted[index] ?? Number.NaN;
}

export interface Summary {
  n: number;
  min: number;
  median: number;
  max: number;
  mean: number;
  /** (max - min) / median: the relative spread of the runs. */
  spread: number;
}

export function summarize(samples: readonly number[]): Summary {
  const n = samples.length;
  if (n === 0) return { n, min: Number.NaN, median: Number.NaN, max: Number.NaN, mean: Number.NaN, spread: Number.NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(n / 2);
  const median = n % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  const min = sorted[0] ?? Number.NaN;
  const max = sorted[n - 1] ?? Number.NaN;
  const mean = samples.reduce((sum, value) => sum + value, 0) / n;
  return { n, min, median, max, mean, spread: median === 0 ? 0 : (max - min) / median };
}

/** Latency distribution of many samples (one run of many operations). */
export interface Latency {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function latency(samples: readonly number[]): Latency {
  return {
    n: samples.length,
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    max: percentile(samples, 100),
    mean: samples.length === 0 ? Number.NaN : samples.reduce((sum, value) => sum + value, 0) / samples.length,
  };
}

export const MiB = 1024 * 1024;
