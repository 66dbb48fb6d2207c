// `npm run bench`: every bench of issue 14 one after the other, each in its own
// process (as `npm run bench:<name>` runs it), then one Markdown table of every
// target (bench/results/latest.md), the same as JSON (latest.json) and the
// cost-vs-scale chart (scale.svg). Each bench still writes its own full result
// document (bench/results/<name>-<timestamp>.json) with every sample.
//
//   npm run bench                 # the full run (~30–40 min on 2 shared cores)
//   npm run bench -- --quick 1    # tiny sizes, to check the pipeline (~5 min)
import { spawn } from "node:child_process";
import { readdir, readFile, writeFile, mkdir } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { benchOptions } from "./lib/args.js";
import { environment, formatLoad, load } from "./lib/env.js";
import { RESULTS_DIR } from "./lib/report.js";
import { scalePoints, scaleTable } from "./lib/scale-table.js";
import { scaleChart } from "./lib/svg.js";

const opts = benchOptions({ quick: 0 });
const quick = opts.quick > 0;
const SCALES = quick ? [20, 50, 100] : [1_000, 5_000, 10_000];

interface Step { name: string; script: string; args: string[] }
const STEPS: Step[] = [
  ...SCALES.map((nodes) => ({ name: "scheduler", script: "scheduler.ts", args: ["--nodes", String(nodes), "--runs", "3", "--decisions", quick ? "200" : "1000"] })),
  ...SCALES.map((nodes) => ({ name: "scale", script: "scale.ts", args: ["--nodes", String(nodes), "--rounds", "3", "--rss", quick ? "1" : "2"] })),
  { name: "cache", script: "cache.ts", args: ["--rounds", "3", "--nodes", quick ? "50" : "5000"] },
  { name: "memory", script: "memory.ts", args: ["--runs", quick ? "1" : "2"] },
  { name: "api", script: "api.ts", args: ["--rounds", "3", "--seconds", quick ? "2" : "5", "--servers", quick ? "50" : "1000"] },
  // Judged on nodes already on (equal work for both sides, as on real hardware);
  // one run with nodes off as information (the service then also powers on).
  { name: "create", script: "create.ts", args: ["--runs", "2", "--servers", quick ? "20" : "200", "--poweredOn", "1"] },
  { name: "create", script: "create.ts", args: ["--runs", "1", "--servers", quick ? "20" : "200", "--poweredOn", "0"] },
];

const targetSchema = z.object({ target: z.string(), value: z.string(), met: z.boolean().nullable() });
const documentSchema = z.object({
  name: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  command: z.string(),
  loadAtStart: z.object({ load1: z.number(), load5: z.number(), load15: z.number() }),
  loadAtEnd: z.object({ load1: z.number(), load5: z.number(), load15: z.number() }),
  params: z.record(z.string(), z.unknown()),
  results: z.record(z.string(), z.unknown()),
  targets: z.array(targetSchema),
});
type ResultDocument = z.infer<typeof documentSchema>;

function run(step: Step): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join("bench", step.script), ...step.args], { stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code) => { resolve(code ?? 1); });
  });
}

/** The result document a step wrote: the newest of its name started after `since`. */
async function resultOf(name: string, since: string): Promise<{ file: string; document: ResultDocument } | undefined> {
  const files = (await readdir(RESULTS_DIR)).filter((file) => file.startsWith(`${name}-`) && file.endsWith(".json")).sort();
  for (const file of files.reverse()) {
    const document = documentSchema.parse(JSON.parse(await readFile(join(RESULTS_DIR, file), "utf8")));
    if (document.startedAt >= since) return { file, document };
  }
  return undefined;
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  const loadAtStart = load();
  await mkdir(RESULTS_DIR, { recursive: true });
  const done: Array<{ step: Step; code: number; result: Awaited<ReturnType<typeof resultOf>> }> = [];
  for (const step of STEPS) {
    const since = new Date().toISOString();
    process.stdout.write(`\n##### ${step.script} ${step.args.join(" ")} (load ${loadavg().map((l) => l.toFixed(2)).join(" ")})\n`);
    const code = await run(step);
    done.push({ step, code, result: await resultOf(step.name, since) });
  }
  const loadAtEnd = load();
  const scale = scalePoints(done.flatMap(({ result }) => (result === undefined ? [] : [result.document])));
  const memory = done.find((entry) => entry.step.name === "memory")?.result?.document;
  const env = environment();
  const lines = [
    "# Benchmark results (issue 14)",
    "",
    `Run by \`npm run bench${quick ? " -- --quick 1" : ""}\` from ${started} to ${new Date().toISOString()}, commit \`${env.gitCommit ?? "?"}\`, Node ${env.node}, ${env.cpus} CPUs (${env.cpuModel}).`,
    `Load average (1/5/15 min) at start ${formatLoad(loadAtStart)}, at end ${formatLoad(loadAtEnd)}: the machine is shared, figures taken under load.`,
    "Every figure is the median over the bench's repeated runs/rounds, with (min–max) where the bench gives it; ratios are taken per round against a baseline in the same run.",
    "",
    "| bench | command | load at start | target | measured | result |",
    "|---|---|---|---|---|---|",
    ...done.flatMap(({ step, code, result }) =>
      result === undefined
        ? [`| ${step.name} | \`${step.script} ${step.args.join(" ")}\` | | (no result: exit ${code}) | | FAILED |`]
        : result.document.targets.map((t) => `| ${step.name} | \`${step.script} ${step.args.join(" ")}\` | ${result.document.loadAtStart.load1} | ${t.target} | ${t.value.replace(/\|/g, "/")} | ${t.met === null ? "info" : t.met ? "MET" : "MISSED"} |`),
    ),
    "",
    "## Cost vs scale",
    "",
    "![cost vs scale](scale.svg)",
    "",
    ...scaleTable(scale),
    "",
    `Reconcile pass: \`scale.ts\`, a tenth of the nodes claimed with a server each (steady state, nothing to change), ratio against the cache refresh alone in the same rounds. RSS: bench/memory-child.ts over the same Ironic, after GC, with every node cached and 1,000 servers stored${memory === undefined ? "" : "; the memory row is the same figure at 10,000 nodes from memory.ts"}.`,
    "",
    "Full documents (every sample): " + done.map(({ result }) => (result === undefined ? "" : `\`${result.file}\``)).filter((x) => x !== "").join(", ") + ".",
    "",
  ];
  await writeFile(join(RESULTS_DIR, "latest.md"), lines.join("\n"));
  await writeFile(join(RESULTS_DIR, "scale.svg"), scaleChart(scale));
  await writeFile(
    join(RESULTS_DIR, "latest.json"),
    `${JSON.stringify({ startedAt: started, finishedAt: new Date().toISOString(), loadAtStart, loadAtEnd, environment: env, scale, steps: done.map(({ step, code, result }) => ({ ...step, code, file: result?.file, loadAtStart: result?.document.loadAtStart, targets: result?.document.targets })) }, null, 2)}\n`,
  );
  process.stdout.write(`\n# wrote ${join(RESULTS_DIR, "latest.md")}, latest.json, scale.svg\n`);
}

await main();
