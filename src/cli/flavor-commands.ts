// `ironic-compute flavor …`: list, show, create / set / unset / delete (admin).
// How a flavor schedules is its extra specs, as Nova's Ironic flavors write
// them (resources:CUSTOM_<CLASS>=1 …): --resource-class, --required-trait,
// --forbidden-trait and --capability write those keys, --property any key.
import { InvalidArgumentError, type Command } from "commander";
import { z } from "zod";
import { segment } from "./client/api-client.js";
import { collect, contextOf, keyValues } from "./client/context.js";
import { printList, printRecord } from "./client/output.js";
import { resolveFlavor } from "./client/resolve.js";
import { flavorBody, flavorList } from "./client/shapes.js";
import { bareMetalExtraSpecs } from "../compute/flavor-scheduling.js";
import { BadRequestError } from "../compute/contract.js";
import { CliError } from "./client/errors.js";

const extraSpecsBody = z.object({ extra_specs: z.record(z.string(), z.union([z.string(), z.number()])) });

/** The Placement class a flavor's extra specs ask for (resources:CUSTOM_X=1), for the list's column. */
function resourceClassOf(flavor: Record<string, unknown>): string {
  const specs = z.record(z.string(), z.string()).safeParse(flavor["extra_specs"]);
  if (!specs.success) return "";
  return Object.entries(specs.data).find(([key, value]) => key.startsWith("resources:CUSTOM_") && value === "1")?.[0].slice("resources:".length) ?? "";
}

/** --resource-class and friends as Nova's bare-metal extra specs, then --property on top. */
function specsOf(options: { resourceClass?: string; requiredTrait?: string[]; forbiddenTrait?: string[]; capability?: string[]; property?: string[] }): Record<string, string> {
  let scheduling: Record<string, string> = {};
  if (options.resourceClass !== undefined) {
    try {
      scheduling = bareMetalExtraSpecs(options.resourceClass, {
        requiredTraits: options.requiredTrait ?? [],
        forbiddenTraits: options.forbiddenTrait ?? [],
        capabilities: keyValues(options.capability, "--capability"),
      });
    } catch (error) {
      if (error instanceof BadRequestError) throw new CliError(`--resource-class: ${error.message}`);
      throw error;
    }
  } else if ((options.requiredTrait ?? []).length + (options.forbiddenTrait ?? []).length + (options.capability ?? []).length > 0) {
    throw new CliError("--required-trait, --forbidden-trait and --capability need --resource-class (or give them as --property trait:X=required …)");
  }
  return { ...scheduling, ...keyValues(options.property, "--property") };
}

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
    printList(flavors.map((one) => ({ ...one, resource_class: resourceClassOf(one) })), COLUMNS, context.format);
  });

  flavor.command("show <flavor>").description("show a flavor").action(async (nameOrId: string, _options: unknown, command: Command) => {
    const context = contextOf(command);
    const id = await resolveFlavor(context.client, nameOrId);
    printRecord((await context.client.get(`/v2.1/flavors/${segment(id)}`, flavorBody)).flavor, context.format);
  });

  flavor
    .command("create <name>")
    .description("create a flavor (admin)")
    .option("--resource-class <class>", "the nodes' resource_class: writes resources:CUSTOM_<CLASS>=1 and zeroes VCPU, MEMORY_MB, DISK_GB")
    .option("--id <id>", "flavor id (default: a generated UUID)")
    .option("--vcpus <n>", "VCPUs (display only)", integer("--vcpus"), 0)
    .option("--ram <mib>", "memory in MiB (display only)", integer("--ram"), 0)
    .option("--disk <gib>", "root disk in GiB", integer("--disk"), 0)
    .option("--ephemeral <gib>", "ephemeral disk in GiB", integer("--ephemeral"), 0)
    .option("--swap <mib>", "swap in MiB", integer("--swap"), 0)
    .option("--required-trait <trait>", "trait the node must have (repeatable)", collect)
    .option("--forbidden-trait <trait>", "trait the node must not have (repeatable)", collect)
    .option("--capability <key=value>", "required node capability (repeatable)", collect)
    .option("--property <key=value>", "extra spec, e.g. resources:CUSTOM_GOLD=1 or trait:CUSTOM_RAID=required (repeatable)", collect)
    .option("--description <text>", "description")
    .option("--private", "not public")
    .action(async (name: string, options: { resourceClass?: string; id?: string; vcpus: number; ram: number; disk: number; ephemeral: number; swap: number;
      requiredTrait?: string[]; forbiddenTrait?: string[]; capability?: string[]; property?: string[]; description?: string; private?: boolean }, command: Command) => {
      const context = contextOf(command);
      const specs = specsOf(options);
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
        },
      });
      // As `openstack flavor create --property`: the flavor, then its extra specs.
      if (Object.keys(specs).length > 0) {
        await context.client.json("POST", `/v2.1/flavors/${segment(created.flavor.id)}/os-extra_specs`, extraSpecsBody, { extra_specs: specs });
      }
      printRecord((await context.client.get(`/v2.1/flavors/${segment(created.flavor.id)}`, flavorBody)).flavor, context.format);
    });

  flavor
    .command("set <flavor>")
    .description("set extra specs of a flavor (admin)")
    .option("--resource-class <class>", "the nodes' resource_class: writes resources:CUSTOM_<CLASS>=1 and zeroes VCPU, MEMORY_MB, DISK_GB")
    .option("--property <key=value>", "extra spec (repeatable)", collect)
    .action(async (nameOrId: string, options: { resourceClass?: string; property?: string[] }, command: Command) => {
      const context = contextOf(command);
      const specs = specsOf(options);
      if (Object.keys(specs).length === 0) throw new CliError("nothing to set: give --property or --resource-class");
      const id = await resolveFlavor(context.client, nameOrId);
      await context.client.json("POST", `/v2.1/flavors/${segment(id)}/os-extra_specs`, extraSpecsBody, { extra_specs: specs });
    });

  flavor
    .command("unset <flavor>")
    .description("remove extra specs of a flavor (admin)")
    .requiredOption("--property <key>", "extra spec key (repeatable)", collect)
    .action(async (nameOrId: string, options: { property: string[] }, command: Command) => {
      const context = contextOf(command);
      const id = await resolveFlavor(context.client, nameOrId);
      for (const key of options.property) await context.client.send("DELETE", `/v2.1/flavors/${segment(id)}/os-extra_specs/${segment(key)}`);
    });

  flavor.command("delete <flavor>").description("delete a flavor (admin)").action(async (nameOrId: string, _options: unknown, command: Command) => {
    const context = contextOf(command);
    await context.client.send("DELETE", `/v2.1/flavors/${segment(await resolveFlavor(context.client, nameOrId))}`);
  });
}
