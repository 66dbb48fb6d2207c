// A small Prometheus registry: counters, gauges and histograms (fixed buckets)
// rendered in the text exposition format 0.0.4. No client library is installed,
// and this service needs little: labelled series kept in maps, `# HELP` and
// `# TYPE` lines, label values and help texts escaped as the format requires.
//
// Every series of a metric carries exactly the label names the metric declares
// (a mismatch is a programming error and throws). Label values are whatever the
// caller gives: keep them bounded (route patterns, not URLs).

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Labels = Readonly<Record<string, string>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The HELP text escapes: backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** The label value escapes: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** A sample value as Prometheus reads it (Go's ParseFloat, plus +Inf/-Inf/NaN). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function labelText(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return "";
  return `{${names.map((name, index) => `${name}="${escapeLabelValue(values[index] ?? "")}"`).join(",")}}`;
}

type MetricType = "counter" | "gauge" | "histogram";

abstract class Metric<Series> {
  protected readonly series = new Map<string, { values: string[]; data: Series }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly type: MetricType,
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${name}`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith("__")) throw new Error(`invalid label name ${label} on ${name}`);
    }
    if (new Set(labelNames).size !== labelNames.length) throw new Error(`duplicate label names on ${name}`);
  }

  /** The label values in declared order; throws when the label set differs. */
  protected valuesOf(labels: Labels): string[] {
    const keys = Object.keys(labels);
    if (keys.length !== this.labelNames.length || keys.some((key) => !this.labelNames.includes(key))) {
      throw new Error(`${this.name} takes the labels [${this.labelNames.join(", ")}], not [${keys.join(", ")}]`);
    }
    return this.labelNames.map((name) => labels[name] ?? "");
  }

  protected entry(labels: Labels, create: () => Series): Series {
    const values = this.valuesOf(labels);
    const key = JSON.stringify(values);
    let found = this.series.get(key);
    if (found === undefined) {
      found = { values, data: create() };
      this.series.set(key, found);
    }
    return found.data;
  }

  /** Drops every series (a gauge collected afresh on each scrape). */
  reset(): void {
    this.series.clear();
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const { values, data } of this.series.values()) lines.push(...this.sampleLines(values, data));
    return `${lines.join("\n")}\n`;
  }

  protected abstract sampleLines(values: readonly string[], data: Series): string[];
}

export class Counter extends Metric<{ value: number }> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames, "counter");
  }

  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name}: a counter only goes up (by ${by})`);
    this.entry(labels, () => ({ value: 0 })).value += by;
  }

  /** Makes the series exist at 0, so that rate() sees its first increase. */
  touch(labels: Labels = {}): void {
    this.entry(labels, () => ({ value: 0 }));
  }

  get(labels: Labels = {}): number {
    return this.series.get(JSON.stringify(this.valuesOf(labels)))?.data.value ?? 0;
  }

  protected sampleLines(values: readonly string[], data: { value: number }): string[] {
    return [`${this.name}${labelText(this.labelNames, values)} ${formatValue(data.value)}`];
  }
}

export class Gauge extends Metric<{ value: number }> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames, "gauge");
  }

  set(labels: Labels, value: number): void {
    this.entry(labels, () => ({ value: 0 })).value = value;
  }

  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels, () => ({ value: 0 })).value += by;
  }

  get(labels: Labels = {}): number | undefined {
    return this.series.get(JSON.stringify(this.valuesOf(labels)))?.data.value;
  }

  protected sampleLines(values: readonly string[], data: { value: number }): string[] {
    return [`${this.name}${labelText(this.labelNames, values)} ${formatValue(data.value)}`];
  }
}

interface HistogramSeries {
  /** Per bucket, observations ≤ its bound (not cumulative; summed on render). */
  counts: number[];
  sum: number;
  count: number;
}

/** Prometheus' client default buckets, plus 30 s (a listing of a large Ironic). */
export const DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Histogram extends Metric<HistogramSeries> {
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[] = [], buckets: readonly number[] = DURATION_BUCKETS) {
    super(name, help, labelNames, "histogram");
    if (labelNames.includes("le")) throw new Error(`${name}: "le" is reserved for histogram buckets`);
    if (buckets.length === 0 || buckets.some((bound, index) => !Number.isFinite(bound) || (index > 0 && bound <= (buckets[index - 1] ?? bound)))) {
      throw new Error(`${name}: buckets must be finite and strictly increasing`);
    }
    this.buckets = [...buckets];
  }

  observe(labels: Labels, value: number): void {
    const data = this.entry(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) data.counts[index] = (data.counts[index] ?? 0) + 1;
    data.sum += value;
    data.count += 1;
  }

  protected sampleLines(values: readonly string[], data: HistogramSeries): string[] {
    const names = [...this.labelNames, "le"];
    const lines: string[] = [];
    let cumulative = 0;
    this.buckets.forEach((bound, index) => {
      cumulative += data.counts[index] ?? 0;
      lines.push(`${this.name}_bucket${labelText(names, [...values, formatValue(bound)])} ${cumulative}`);
    });
    lines.push(`${this.name}_bucket${labelText(names, [...values, "+Inf"])} ${data.count}`);
    const plain = labelText(this.labelNames, values);
    lines.push(`${this.name}_sum${plain} ${formatValue(data.sum)}`, `${this.name}_count${plain} ${data.count}`);
    return lines;
  }
}

type AnyMetric = Counter | Gauge | Histogram;

export class Registry {
  private readonly metrics = new Map<string, AnyMetric>();

  private add<T extends AnyMetric>(metric: T): T {
    if (this.metrics.has(metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.metrics.set(metric.name, metric);
    return metric;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets?: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labelNames, buckets));
  }

  /** Every metric in registration order, each with its HELP and TYPE lines. */
  render(): string {
    return [...this.metrics.values()].map((metric) => metric.render()).join("");
  }
}
