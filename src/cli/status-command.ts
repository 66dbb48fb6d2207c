// `ironic-compute status` (admin): the running service's readiness checks (why
// each failing one fails) and what it holds, from GET /admin/v1/status. Exits 1
// when the service is not ready, so scripts can wait on it.
import type { Command } from "commander";
import { z } from "zod";
import { contextOf } from "./client/context.js";
import { printList, printRecord } from "./client/output.js";

const statusBody = z.object({
  status: z.object({
    ready: z.boolean(),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().nullable() })),
    worker_id: z.string(),
    live_workers: z.array(z.string()),
    nodes: z.object({ total: z.number(), available: z.number(), claimed_unknown: z.number() }),
    servers: z.number(),
  }),
});

export function registerStatusCommand(program: Command): void {
  program
    .command("status")
    .description("the running service's readiness checks and its node and server counts (admin; exit 1 when not ready)")
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(command);
      const { status } = await context.client.get("/admin/v1/status", statusBody);
      if (context.format === "json") {
        printRecord(status, "json");
      } else {
        printList(status.checks.map((check) => ({ check: check.name, status: check.ok ? "ok" : "failing", detail: check.detail ?? "" })),
          [["check", "Check"], ["status", "Status"], ["detail", "Detail"]], "table");
        printRecord({
          ready: status.ready,
          worker: status.worker_id,
          live_workers: status.live_workers.join(", "),
          nodes: status.nodes.total,
          nodes_available: status.nodes.available,
          nodes_claimed_unknown: status.nodes.claimed_unknown,
          servers: status.servers,
        }, "table");
      }
      if (!status.ready) process.exitCode = 1;
    });
}
