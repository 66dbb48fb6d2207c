// bin/ironic-compute.js runs as its own executable, as the installed command
// (/usr/bin/ironic-compute, a symlink to it) and the systemd unit run it: its
// `#!/usr/bin/env -S node …` line must work here and carry the heap flag that
// bench/memory.ts measures the service with.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/ironic-compute.js", import.meta.url));

describe("the ironic-compute executable", () => {
  it("starts node with the young-generation cap through env -S, and runs", async () => {
    const first = readFileSync(BIN, "utf8").split("\n")[0];
    expect(first).toBe("#!/usr/bin/env -S node --max-semi-space-size=8");
    const { stdout } = await promisify(execFile)(BIN, ["--help"], { timeout: 60_000 });
    expect(stdout).toContain("Usage: ironic-compute");
  }, 90_000);
});
