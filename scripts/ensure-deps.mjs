#!/usr/bin/env node
// Runs before `npm start` and `npm test` so that they work on a fresh clone:
// installs the npm dependencies (exactly as locked) when node_modules is missing
// or older than package-lock.json. System packages (Debian's python3-ironic,
// postgresql) are installed by the code that needs them, on first use.
// Plain JavaScript on purpose: it must run before any dependency exists.
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const marker = join(root, "node_modules", ".package-lock.json");
const lock = join(root, "package-lock.json");

const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  process.stderr.write("ironic-compute: installing npm dependencies (npm ci)…\n");
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
}
