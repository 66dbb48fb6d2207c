// The cost-vs-scale rows of `npm run bench` (and of bench/scale-chart.ts): per
// node count, the scheduler bench's figures (cache refresh, decisions) joined
// with the scale bench's (reconcile pass, RSS), each a median over that bench's
// repeats with its min–max; a figure its bench did not give is NaN ("—").

import type { ScalePoint } from "./svg.js";

/** The parts of a result document read here. */
export interface ScaleSource {
  name: string;
  results: Record<string, unknown>;
}

const num = (value: unknown, ...path: string[]): number => {
  let at: unknown = value;
  for (const key of path) at = typeof at === "object" && at !== null ? (at as Record<string, unknown>)[key] : undefined;
  return typeof at === "number" ? at : Number.NaN;
};

const range = (results: unknown, ...path: string[]): [number, number, number] => [
  num(results, ...path, "median"),
  num(results, ...path, "min"),
  num(results, ...path, "max"),
];

export function scalePoints(documents: readonly ScaleSource[]): ScalePoint[] {
  const byNodes = new Map<number, ScalePoint>();
  const at = (nodes: number): ScalePoint => {
    let point = byNodes.get(nodes);
    if (point === undefined) {
      point = { nodes, refreshMs: Number.NaN, p99Ms: Number.NaN, firstMs: Number.NaN, linearP99Ms: Number.NaN, reconcileMs: [Number.NaN, Number.NaN, Number.NaN], reconcileRatio: Number.NaN, rssMiB: [Number.NaN, Number.NaN, Number.NaN], claimed: Number.NaN };
      byNodes.set(nodes, point);
    }
    return point;
  };
  for (const { name, results } of documents) {
    const nodes = num(results, "nodes");
    if (!Number.isFinite(nodes)) continue;
    const point = at(nodes);
    if (name === "scheduler") {
      point.refreshMs = num(results, "summary", "refresh", "median");
      point.p99Ms = num(results, "summary", "p99", "median");
      point.firstMs = num(results, "summary", "first", "median");
      point.linearP99Ms = num(results, "summary", "linearP99", "median");
    } else if (name === "scale") {
      // The scale bench times the refresh too: the figure when no scheduler run gave one.
      if (!Number.isFinite(point.refreshMs)) point.refreshMs = num(results, "summary", "refresh", "median");
      point.reconcileMs = range(results, "summary", "pass");
      point.reconcileRatio = num(results, "summary", "ratio", "median");
      point.rssMiB = range(results, "summary", "rss");
      point.claimed = num(results, "claimed");
    }
  }
  return [...byNodes.values()].sort((a, b) => a.nodes - b.nodes);
}

const cell = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : "—");
const spread = ([median, min, max]: readonly number[], digits: number): string =>
  Number.isFinite(median ?? Number.NaN) ? `${cell(median ?? Number.NaN, digits)} (${cell(min ?? Number.NaN, digits)}–${cell(max ?? Number.NaN, digits)})` : "—";

/** The Markdown table under "## Cost vs scale". */
export function scaleTable(points: readonly ScalePoint[]): string[] {
  return [
    "| nodes | cache refresh (ms, index built) | first decision after refresh (ms) | decision p99 (ms) | linear-filter p99 (ms) | reconcile pass (ms; claimed nodes) | pass / refresh alone | RSS (MiB, 1,000 servers stored) |",
    "|---|---|---|---|---|---|---|---|",
    ...points.map((p) =>
      `| ${p.nodes} | ${cell(p.refreshMs, 0)} | ${cell(p.firstMs, 3)} | ${cell(p.p99Ms, 3)} | ${cell(p.linearP99Ms, 3)} | ${spread(p.reconcileMs, 0)}${Number.isFinite(p.claimed) ? `; ${p.claimed}` : ""} | ${cell(p.reconcileRatio, 3)} | ${spread(p.rssMiB, 1)} |`,
    ),
  ];
}
