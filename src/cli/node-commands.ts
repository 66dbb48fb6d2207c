// `ironic-compute node …` (admin): the Ironic nodes this service schedules on.
import type { Command } from "commander";
import { z } from "zod";
import { segment } from "./client/api-client.js";
import { contextOf } from "./client/context.js";
import { CliError } from "./client/errors.js";
import { printList, printRecord } from "./client/output.js";
import { nodeList, nodeSchema } from "./client/shapes.js";

export function registerNodeCommands(program: Command): void {
  const node = program.command("node").description("Ironic nodes (admin)");

  node
    .command("list")
    .description("list nodes")
    .option("--unknown-claims", "only nodes claimed by an instance this service has no record of (left alone; e.g. servers created after a restored backup)")
    .action(async (options: { unknownClaims?: boolean }, command: Command) => {
      const context = contextOf(command);
      const { nodes } = await context.client.get("/admin/v1/nodes", nodeList);
      const shown = options.unknownClaims === true ? nodes.filter((candidate) => candidate["claim"] === "unknown") : nodes;
      printList(shown, [["uuid", "UUID"], ["name", "Name"], ["resource_class", "Resource Class"], ["provision_state", "Provision State"],
        ["power_state", "Power State"], ["maintenance", "Maintenance"], ["available", "Available"], ["server_id", "Server"],
        ...(options.unknownClaims === true ? [["instance_uuid", "Instance"] as [string, string]] : [])], context.format);
    });

  node.command("show <node>").description("show a node (UUID or name)").action(async (nameOrId: string, _options: unknown, command: Command) => {
    const context = contextOf(command);
    let uuid = nameOrId;
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(nameOrId)) {
      const { nodes } = await context.client.get("/admin/v1/nodes", nodeList);
      const match = nodes.find((candidate) => candidate["name"] === nameOrId);
      if (match === undefined) throw new CliError(`No node with a name or UUID of '${nameOrId}' exists.`);
      uuid = match.uuid;
    }
    printRecord((await context.client.get(`/admin/v1/nodes/${segment(uuid)}`, z.object({ node: nodeSchema }))).node, context.format);
  });
}
