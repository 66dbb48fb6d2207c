// `ironic-compute flavor …`: list, show, create (admin), delete (admin).
import { InvalidArgumentError, type Command } from "commander";
import { z } from "zod";
import { segment } from "./client/api-client.js";
import { collect, contextOf, keyValues } from "./client/context.js";
import { printList, printRecord } from "./client/output.js";
import { resolveFlavor } from "./client/resolve.js";
import { flavorBody, flavorList } from "./client/shapes.js";

const integer = (label: string) => (value: string): number => {
  const parsed = z.coerce.number().int().min(0).safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`${label} must be a non-negative integer, not '${value}'`);
  return parsed.data;
};

const COLUMNS = [["id", "ID"], ["name", "Name"], ["resource_class", "Resource Class"], ["vcpus", "VCPUs"], ["ram", "RAM"], ["disk", "Disk"],
  ["os-flavor-access:is_public", "Is Public"]] as const;

export function registerFlavorCommands(program: Command): void {
  const flavor = program.command("flavor").description("flavors: which Ironic nodes a server may land on");

  flavor.command("list").description("list flavors").action(async (_options: unknown, command: Command) => {
    const context = contextOf(command);
    const { flavors } = await context.client.get("/v2.1/flavors/detail?is_public=None", flavorList);
    printList(flavors, COLUMNS, context.format);
  });

  flavor.command("show <flavor>").description("show a flavor").action(async (nameOrId: string, _options: unknown, command: Command) => {
    const context = contextOf(command);
    const id = await resolveFlavor(context.client, nameOrId);
    printRecord((await context.client.get(`/v2.1/flavors/${segment(id)}`, flavorBody)).flavor, context.format);
  });

  flavor
    .command("create <name>")
    .description("create a flavor (admin)")
    .requiredOption("--resource-class <class>", "Ironic resource class of the nodes it schedules on")
    .option("--id <id>", "flavor id (default: a generated UUID)")
    .option("--vcpus <n>", "VCPUs (display only)", integer("--vcpus"), 0)
    .option("--ram <mib>", "memory in MiB (display only)", integer("--ram"), 0)
    .option("--disk <gib>", "root disk in GiB", integer("--disk"), 0)
    .option("--ephemeral <gib>", "ephemeral disk in GiB", integer("--ephemeral"), 0)
    .option("--swap <mib>", "swap in MiB", integer("--swap"), 0)
    .option("--required-trait <trait>", "trait the node must have (repeatable)", collect)
    .option("--forbidden-trait <trait>", "trait the node must not have (repeatable)", collect)
    .option("--capability <key=value>", "required node capability (repeatable)", collect)
    .option("--description <text>", "description")
    .option("--private", "not public")
    .action(async (name: string, options: { resourceClass: string; id?: string; vcpus: number; ram: number; disk: number; ephemeral: number; swap: number;
      requiredTrait?: string[]; forbiddenTrait?: string[]; capability?: string[]; description?: string; private?: boolean }, command: Command) => {
      const context = contextOf(command);
      const created = await context.client.json("POST", "/v2.1/flavors", flavorBody, {
        flavor: {
          name,
          ...(options.id === undefined ? {} : { id: options.id }),
          vcpus: options.vcpus,
          ram: options.ram,
          disk: options.disk,
          "OS-FLV-EXT-DATA:ephemeral": options.ephemeral,
          swap: options.swap,
          "os-flavor-access:is_public": options.private !== true,
          ...(options.description === undefined ? {} : { description: options.description }),
          resource_class: options.resourceClass,
          required_traits: options.requiredTrait ?? [],
          forbidden_traits: options.forbiddenTrait ?? [],
          capabilities: keyValues(options.capability, "--capability"),
        },
      });
      printRecord(created.flavor, context.format);
    });

  flavor.command("delete <flavor>").description("delete a flavor (admin)").action(async (nameOrId: string, _options: unknown, command: Command) => {
    const context = contextOf(command);
    await context.client.send("DELETE", `/v2.1/flavors/${segment(await resolveFlavor(context.client, nameOrId))}`);
  });
}
