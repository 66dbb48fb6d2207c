// `ironic-compute dev` (what `npm start` runs): a local Ironic with fake-hardware
// nodes and the service in front of it on SQLite, seeded, until Ctrl-C. The work
// is in dev-run.ts, loaded only when this command runs.
import type { Command } from "commander";

export function registerDevCommand(program: Command): void {
  program
    .command("dev")
    .description("start a local Ironic (fake hardware) and ironic-compute in front of it, seeded; Ctrl-C stops both")
    .option("--nodes <count>", "fake-hardware nodes to enrol", "8")
    .option("--port <port>", "API port on 127.0.0.1", "8774")
    .option("--dir <dir>", "where the database and credentials go (recreated every run)", ".local")
    .action(async (options: { nodes: string; port: string; dir: string }) => {
      const { runDev } = await import("./dev-run.js");
      await runDev(options);
    });
}
