// The cost-vs-scale chart of `npm run bench`: a small hand-written SVG, four
// panels in a 2×2 grid (cache refresh in ms; scheduler decision p99 and the
// first decision after a refresh in ms; reconcile pass in ms; RSS in MiB),
// nodes on the x axis, medians with a min–max bar where the bench gives one.
// No dependency.

export interface ScalePoint {
  nodes: number;
  refreshMs: number;
  p99Ms: number;
  firstMs: number;
  linearP99Ms: number;
  /** Reconcile pass, ms: [median, min, max]. */
  reconcileMs: readonly [number, number, number];
  /** Reconcile pass / cache refresh alone, same rounds (median). */
  reconcileRatio: number;
  /** RSS after GC, MiB: [median, min, max]. */
  rssMiB: readonly [number, number, number];
  /** Nodes claimed for servers during the reconcile pass. */
  claimed: number;
}

interface Series { label: string; color: string; values: number[]; ranges?: Array<readonly [number, number]> }

const W = 320;
const H = 220;
const PAD = { left: 48, right: 12, top: 28, bottom: 36 };

function panel(x0: number, y0: number, title: string, nodes: number[], series: Series[]): string {
  const finite = series.flatMap((s) => [...s.values, ...(s.ranges ?? []).flat()]).filter((v) => Number.isFinite(v));
  const top = Math.max(...finite, 1e-3) * 1.1;
  const maxX = Math.max(...nodes, 1);
  const px = (n: number) => x0 + PAD.left + (n / maxX) * (W - PAD.left - PAD.right);
  const py = (v: number) => y0 + PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  const parts = [
    `<text x="${x0 + W / 2}" y="${y0 + 16}" text-anchor="middle" font-size="12">${title}</text>`,
    `<line x1="${x0 + PAD.left}" y1="${y0 + H - PAD.bottom}" x2="${x0 + W - PAD.right}" y2="${y0 + H - PAD.bottom}" stroke="#444"/>`,
    `<line x1="${x0 + PAD.left}" y1="${y0 + PAD.top}" x2="${x0 + PAD.left}" y2="${y0 + H - PAD.bottom}" stroke="#444"/>`,
    `<text x="${x0 + PAD.left - 4}" y="${y0 + PAD.top + 4}" text-anchor="end" font-size="10">${top.toPrecision(3)}</text>`,
    `<text x="${x0 + PAD.left - 4}" y="${y0 + H - PAD.bottom}" text-anchor="end" font-size="10">0</text>`,
    ...nodes.map((n) => `<text x="${px(n)}" y="${y0 + H - PAD.bottom + 14}" text-anchor="middle" font-size="10">${n}</text>`),
    `<text x="${x0 + W / 2}" y="${y0 + H - 6}" text-anchor="middle" font-size="10">nodes</text>`,
  ];
  series.forEach((s, index) => {
    const points = nodes.map((n, i) => [n, s.values[i] ?? Number.NaN] as const).filter(([, v]) => Number.isFinite(v));
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.map(([n, v]) => `${px(n).toFixed(1)},${py(v).toFixed(1)}`).join(" ")}"/>`);
    nodes.forEach((n, i) => {
      const [low, high] = s.ranges?.[i] ?? [Number.NaN, Number.NaN];
      if (Number.isFinite(low) && Number.isFinite(high)) parts.push(`<line x1="${px(n).toFixed(1)}" y1="${py(low).toFixed(1)}" x2="${px(n).toFixed(1)}" y2="${py(high).toFixed(1)}" stroke="${s.color}" stroke-opacity="0.5" stroke-width="6"/>`);
    });
    for (const [n, v] of points) parts.push(`<circle cx="${px(n).toFixed(1)}" cy="${py(v).toFixed(1)}" r="3" fill="${s.color}"/>`);
    parts.push(`<text x="${x0 + PAD.left + 6}" y="${y0 + PAD.top + 12 + index * 12}" font-size="10" fill="${s.color}">${s.label}</text>`);
  });
  return parts.join("\n");
}

export function scaleChart(points: readonly ScalePoint[]): string {
  const sorted = [...points].sort((a, b) => a.nodes - b.nodes);
  const nodes = sorted.map((p) => p.nodes);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${2 * H}" viewBox="0 0 ${2 * W} ${2 * H}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(0, 0, "node cache refresh (ms)", nodes, [{ label: "refresh + index", color: "#1f77b4", values: sorted.map((p) => p.refreshMs) }]),
    panel(W, 0, "scheduler decision (ms)", nodes, [
      { label: "p99 (index)", color: "#d62728", values: sorted.map((p) => p.p99Ms) },
      { label: "first after refresh", color: "#2ca02c", values: sorted.map((p) => p.firstMs) },
      { label: "p99 linear baseline", color: "#999", values: sorted.map((p) => p.linearP99Ms) },
    ]),
    panel(0, H, "reconcile pass, 10% claimed (ms)", nodes, [
      { label: "pass (median, min–max)", color: "#9467bd", values: sorted.map((p) => p.reconcileMs[0]), ranges: sorted.map((p) => [p.reconcileMs[1], p.reconcileMs[2]] as const) },
    ]),
    panel(W, H, "RSS after GC, 1,000 servers (MiB)", nodes, [
      { label: "RSS (median, min–max)", color: "#ff7f0e", values: sorted.map((p) => p.rssMiB[0]), ranges: sorted.map((p) => [p.rssMiB[1], p.rssMiB[2]] as const) },
      { label: "target 150 MiB at 10,000", color: "#999", values: sorted.map((p) => (p.nodes === 10_000 ? 150 : Number.NaN)) },
    ]),
    `</svg>`,
    "",
  ].join("\n");
}
