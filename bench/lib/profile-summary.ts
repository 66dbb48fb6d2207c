// Sums the self time of a V8 CPU profile (`node --cpu-prof`) by function and
// prints the heaviest frames, with each frame's share of the sampled time:
//
//   node --import tsx bench/lib/profile-summary.ts PROFILE.cpuprofile [--top 30] [--by function|file]
//
// `--by file` sums by script instead (node_modules packages by package name),
// which tells which library or layer the time goes to.

import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { z } from "zod";

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

const { values, positionals } = parseArgs({
  options: { top: { type: "string", default: "30" }, by: { type: "string", default: "function" } },
  allowPositionals: true,
});
const file = positionals[0];
if (file === undefined) throw new Error("usage: profile-summary.ts PROFILE.cpuprofile [--top N] [--by function|file]");
const top = Number(values.top);
const profile = profileSchema.parse(JSON.parse(await readFile(file, "utf8")));

function shortUrl(url: string): string {
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "node_modules/".length).split("/");
    return rest[0]?.startsWith("@") === true ? `${rest[0]}/${rest[1] ?? ""}` : (rest[0] ?? url);
  }
  const src = url.search(/\/(src|bench|harness)\//);
  return src >= 0 ? url.slice(src + 1) : url.replace(/^file:\/\//, "");
}

const keyOf = new Map<number, string>();
for (const node of profile.nodes) {
  const { functionName, url, lineNumber } = node.callFrame;
  keyOf.set(
    node.id,
    values.by === "file" ? shortUrl(url) || `(${functionName || "anonymous"})` : `${functionName || "(anonymous)"} ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ""}`,
  );
}
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, index) => {
  const delta = profile.timeDeltas[index] ?? 0;
  total += delta;
  const key = keyOf.get(id) ?? "?";
  self.set(key, (self.get(key) ?? 0) + delta);
});
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
process.stdout.write(`total sampled ${(total / 1000).toFixed(0)} ms\n`);
for (const [key, micros] of rows) {
  process.stdout.write(`${(micros / 1000).toFixed(0).padStart(8)} ms ${((100 * micros) / total).toFixed(1).padStart(5)} %  ${key}\n`);
}
