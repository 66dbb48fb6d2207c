// What a figure needs next to it to be read honestly: the machine and how busy it
// was (the benchmarks run on a shared 2-core machine).

import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";

export interface Load {
  load1: number;
  load5: number;
  load15: number;
}

export function load(): Load {
  const [load1 = 0, load5 = 0, load15 = 0] = loadavg();
  return { load1: round2(load1), load5: round2(load5), load15: round2(load15) };
}

export function formatLoad(value: Load): string {
  return `${value.load1.toFixed(2)} ${value.load5.toFixed(2)} ${value.load15.toFixed(2)}`;
}

export interface Environment {
  node: string;
  cpus: number;
  cpuModel: string;
  gitCommit: string | null;
  gitDirty: boolean | null;
}

export function environment(): Environment {
  const cores = cpus();
  return {
    node: process.version,
    cpus: cores.length,
    cpuModel: cores[0]?.model ?? "unknown",
    gitCommit: git(["rev-parse", "--short", "HEAD"]),
    gitDirty: ((status) => (status === null ? null : status !== ""))(git(["status", "--porcelain", "--", "src"])),
  };
}

function git(args: string[]): string | null {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch (error: unknown) {
    // Boundary: no git (or not a checkout) only means the result lacks the commit.
    if (error instanceof Error) return null;
    throw error;
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
