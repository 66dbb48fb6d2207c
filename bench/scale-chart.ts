// Rewrites bench/results/scale.svg and prints the cost-vs-scale table from the
// result documents already in bench/results/ (the newest scheduler-*.json and
// scale-*.json per node count), without running any bench: for figures
// measured one bench at a time instead of by a full `npm run bench`.
//
//   node --import tsx bench/scale-chart.ts

import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { RESULTS_DIR } from "./lib/report.js";
import { scalePoints, scaleTable, type ScaleSource } from "./lib/scale-table.js";
import { scaleChart } from "./lib/svg.js";

const documentSchema = z.object({ name: z.string(), startedAt: z.string(), results: z.record(z.string(), z.unknown()) });

async function main(): Promise<void> {
  const files = (await readdir(RESULTS_DIR)).filter((file) => /^(scheduler|scale)-.*\.json$/.test(file)).sort();
  const newest = new Map<string, ScaleSource & { file: string }>();
  for (const file of files) {
    const document = documentSchema.parse(JSON.parse(await readFile(join(RESULTS_DIR, file), "utf8")));
    const nodes = document.results["nodes"];
    if (typeof nodes !== "number") continue;
    newest.set(`${document.name}@${nodes}`, { name: document.name, results: document.results, file }); // sorted by time: the last wins
  }
  const points = scalePoints([...newest.values()]);
  await writeFile(join(RESULTS_DIR, "scale.svg"), scaleChart(points));
  process.stdout.write(`${scaleTable(points).join("\n")}\n\nfrom: ${[...newest.values()].map((d) => d.file).join(", ")}\n`);
}

await main();
