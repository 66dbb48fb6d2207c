// The cost-vs-scale chart of `npm run bench`: a small hand-written SVG, two
// panels side by side (cache refresh in ms; scheduler decision p99 and the first
// decision after a refresh in ms), nodes on the x axis. No dependency.

export interface ScalePoint {
  nodes: number;
  refreshMs: number;
  p99Ms: number;
  firstMs: number;
  linearP99Ms: number;
}

interface Series { label: string; color: string; values: number[] }

const W = 320;
const H = 220;
const PAD = { left: 48, right: 12, top: 28, bottom: 36 };

function panel(x0: number, title: string, nodes: number[], series: Series[]): string {
  const finite = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
  const top = Math.max(...finite, 1e-3) * 1.1;
  const maxX = Math.max(...nodes, 1);
  const px = (n: number) => x0 + PAD.left + (n / maxX) * (W - PAD.left - PAD.right);
  const py = (v: number) => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  const parts = [
    `<text x="${x0 + W / 2}" y="16" text-anchor="middle" font-size="12">${title}</text>`,
    `<line x1="${x0 + PAD.left}" y1="${H - PAD.bottom}" x2="${x0 + W - PAD.right}" y2="${H - PAD.bottom}" stroke="#444"/>`,
    `<line x1="${x0 + PAD.left}" y1="${PAD.top}" x2="${x0 + PAD.left}" y2="${H - PAD.bottom}" stroke="#444"/>`,
    `<text x="${x0 + PAD.left - 4}" y="${PAD.top + 4}" text-anchor="end" font-size="10">${top.toPrecision(3)}</text>`,
    `<text x="${x0 + PAD.left - 4}" y="${H - PAD.bottom}" text-anchor="end" font-size="10">0</text>`,
    ...nodes.map((n) => `<text x="${px(n)}" y="${H - PAD.bottom + 14}" text-anchor="middle" font-size="10">${n}</text>`),
    `<text x="${x0 + W / 2}" y="${H - 6}" text-anchor="middle" font-size="10">nodes</text>`,
  ];
  series.forEach((s, index) => {
    const points = nodes.map((n, i) => [n, s.values[i] ?? Number.NaN] as const).filter(([, v]) => Number.isFinite(v));
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.map(([n, v]) => `${px(n).toFixed(1)},${py(v).toFixed(1)}`).join(" ")}"/>`);
    for (const [n, v] of points) parts.push(`<circle cx="${px(n).toFixed(1)}" cy="${py(v).toFixed(1)}" r="3" fill="${s.color}"/>`);
    parts.push(`<text x="${x0 + PAD.left + 6}" y="${PAD.top + 12 + index * 12}" font-size="10" fill="${s.color}">${s.label}</text>`);
  });
  return parts.join("\n");
}

export function scaleChart(points: readonly ScalePoint[]): string {
  const sorted = [...points].sort((a, b) => a.nodes - b.nodes);
  const nodes = sorted.map((p) => p.nodes);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H}" viewBox="0 0 ${2 * W} ${H}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(0, "node cache refresh (ms)", nodes, [{ label: "refresh + index", color: "#1f77b4", values: sorted.map((p) => p.refreshMs) }]),
    panel(W, "scheduler decision (ms)", nodes, [
      { label: "p99 (index)", color: "#d62728", values: sorted.map((p) => p.p99Ms) },
      { label: "first after refresh", color: "#2ca02c", values: sorted.map((p) => p.firstMs) },
      { label: "p99 linear baseline", color: "#999", values: sorted.map((p) => p.linearP99Ms) },
    ]),
    `</svg>`,
    "",
  ].join("\n");
}
