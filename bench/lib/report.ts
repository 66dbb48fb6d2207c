// Printing and recording benchmark results: an aligned text table on stdout and
// one JSON document per run in bench/results/<name>-<timestamp>.json.

import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { environment, formatLoad, load, type Environment, type Load } from "./env.js";

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "results");

export type Cell = string | number | boolean | null | undefined;

/** Formats a number of milliseconds (or any quantity) with sensible precision. */
export function fmt(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (digits === undefined && Number.isInteger(value)) return String(value);
  const places = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3);
  return value.toFixed(places);
}

/** Prints `rows` under `headers`, columns aligned (numbers to the right). */
export function printTable(title: string, headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>): void {
  const text = rows.map((row) => row.map((cell) => (typeof cell === "number" ? fmt(cell) : String(cell ?? ""))));
  const widths = headers.map((header, column) => Math.max(header.length, ...text.map((row) => (row[column] ?? "").length)));
  const numeric = headers.map((_, column) => rows.every((row) => typeof row[column] === "number" || row[column] === undefined));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => (numeric[column] === true ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join("  ");
  const out = [``, `== ${title}`, line(headers), widths.map((width) => "-".repeat(width)).join("  "), ...text.map(line)];
  process.stdout.write(`${out.join("\n")}\n`);
}

export function note(text: string): void {
  process.stdout.write(`${text}\n`);
}

export interface TargetCheck {
  target: string;
  value: string;
  /** null: an informational figure without a target. */
  met: boolean | null;
}

export function printTargets(checks: readonly TargetCheck[]): void {
  printTable(
    "targets",
    ["target", "measured", "result"],
    checks.map((check) => [check.target, check.value, check.met === null ? "info" : check.met ? "MET" : "MISSED"]),
  );
}

export interface ResultDocument {
  name: string;
  startedAt: string;
  finishedAt: string;
  command: string;
  environment: Environment;
  loadAtStart: Load;
  loadAtEnd: Load;
  params: Record<string, unknown>;
  results: Record<string, unknown>;
  targets: TargetCheck[];
}

/** Collects what every result document carries; call at the start of a bench. */
export function startRecording(name: string, params: Record<string, unknown>) {
  const startedAt = new Date();
  const loadAtStart = load();
  note(`# bench ${name} — started ${startedAt.toISOString()}, load average ${formatLoad(loadAtStart)}`);
  return {
    /** Writes bench/results/<name>-<timestamp>.json and returns its path. */
    async finish(results: Record<string, unknown>, targets: TargetCheck[]): Promise<string> {
      const finishedAt = new Date();
      const document: ResultDocument = {
        name,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        command: process.argv.join(" "),
        environment: environment(),
        loadAtStart,
        loadAtEnd: load(),
        params,
        results,
        targets,
      };
      await mkdir(RESULTS_DIR, { recursive: true });
      const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
      const file = join(RESULTS_DIR, `${name}-${stamp}.json`);
      await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
      printTargets(targets);
      note(`# load average at end ${formatLoad(document.loadAtEnd)}; result written to ${file}`);
      return file;
    },
  };
}
