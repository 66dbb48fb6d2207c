// What a `--cpu-prof` profile spent its time on, for the "what limits it" of a
// missed target (issue 14). Two views of the same samples:
//  - self time by where the code lives: a package under node_modules, a file
//    under src/ or bench/, Node's internals, the garbage collector, idle;
//  - time by the innermost src/ file on the stack ("whose work it is"): a
//    sample in Kysely's compiler called from src/store/servers.ts counts for
//    src/store/servers.ts; samples with no src/ frame keep their self group.
//
//   node --cpu-prof --cpu-prof-dir /tmp/prof --import tsx bench/api.ts --rounds 1 --part create
//   node --import tsx bench/profile-summary.ts /tmp/prof/CPU.*.cpuprofile [--top 25] [--from µs --to µs]
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { benchOptionsAndFiles } from "./lib/args.js";
import { fmt, printTable } from "./lib/report.js";

// --from/--to: a window in microseconds of the monotonic clock the samples are
// stamped with (process.hrtime.bigint() / 1000n; bench/api.ts prints each shot's).
const { options, files } = benchOptionsAndFiles({ top: 25, from: 0, to: Number.MAX_SAFE_INTEGER });
const { top } = options;
const window = { from: options.from, to: options.to };

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  startTime: z.number(),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

/** Where a frame's code lives, as a short group name. */
function groupOf(functionName: string, url: string): string {
  if (url === "") return functionName === "" ? "(native)" : `(${functionName.replace(/^\(|\)$/g, "")})`;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules !== null) return `npm:${modules[1] ?? "?"}`;
  const own = /\/((?:src|bench|harness)\/.+?)(?:\?.*)?$/.exec(url);
  if (own !== null) return own[1] ?? url;
  if (url.startsWith("node:")) return "node:internal";
  return url;
}

const isOwn = (group: string) => group.startsWith("src/");

async function summarize(file: string): Promise<void> {
  const profile = profileSchema.parse(JSON.parse(await readFile(file, "utf8")));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const owner = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    at += micros;
    const node = byId.get(id);
    if (node === undefined || at < window.from || at > window.to) return;
    total += micros;
    const group = groupOf(node.callFrame.functionName, node.callFrame.url);
    self.set(group, (self.get(group) ?? 0) + micros);
    let frameId: number | undefined = id;
    let own: string | undefined;
    while (frameId !== undefined && own === undefined) {
      const frame = byId.get(frameId);
      const candidate = frame === undefined ? "" : groupOf(frame.callFrame.functionName, frame.callFrame.url);
      if (isOwn(candidate)) own = candidate;
      frameId = parent.get(frameId);
    }
    const key = own ?? group;
    owner.set(key, (owner.get(key) ?? 0) + micros);
  });
  const idle = self.get("(idle)") ?? 0;
  const busy = total - idle;
  const rows = (map: Map<string, number>) =>
    [...map.entries()]
      .filter(([group]) => group !== "(idle)")
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([group, micros]) => [group, fmt(micros / 1000), `${fmt((micros / busy) * 100, 1)}%`]);
  if (total === 0) {
    process.stdout.write(`\n# ${file}: no sample in the window\n`);
    return;
  }
  process.stdout.write(`\n# ${file}: ${fmt(total / 1000)} ms sampled, ${fmt(idle / 1000)} ms idle (${fmt((idle / total) * 100, 1)}%), ${fmt(busy / 1000)} ms busy\n`);
  printTable("self time by where the code lives (share of busy time)", ["group", "ms", "share"], rows(self));
  printTable("time by the innermost src/ file on the stack (share of busy time)", ["owner", "ms", "share"], rows(owner));
}

for (const file of files) await summarize(file);
