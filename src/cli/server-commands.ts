// `ironic-compute server …`: create, list, show, delete, reboot, stop, start,
// rebuild, rescue, unrescue, console. --wait polls until the operation ends.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { MAX_USER_DATA_BYTES } from "../compute/user-data.js";
import { segment } from "./client/api-client.js";
import { collect, contextOf, keyValues, type CliContext } from "./client/context.js";
import { CliError } from "./client/errors.js";
import { printList, printRecord, type Row } from "./client/output.js";
import { resolveFlavor, resolveImage, resolveNetwork, resolveServer } from "./client/resolve.js";
import { consoleBody, createdServer, rescueBody, serverBody, serverList, type Server } from "./client/shapes.js";
import { waitForServer, type WaitTarget } from "./client/wait.js";

const POWER_STATES: Readonly<Record<number, string>> = { 0: "nostate", 1: "running", 4: "shutdown", 6: "crashed" };

function flavorName(server: Server): unknown {
  const flavor = server["flavor"];
  if (typeof flavor === "object" && flavor !== null) {
    return "original_name" in flavor ? flavor.original_name : "id" in flavor ? flavor.id : undefined;
  }
  return undefined;
}

function imageId(server: Server): unknown {
  const image = server["image"];
  return typeof image === "object" && image !== null && "id" in image ? image.id : "";
}

/** `demo=192.0.2.100; other=…`, as OSC's Networks column. */
function addressesText(addresses: unknown): string {
  if (typeof addresses !== "object" || addresses === null) return "";
  return Object.entries(addresses as Record<string, unknown>)
    .map(([network, list]) => `${network}=${(Array.isArray(list) ? list : []).map((entry) => {
      const addr = (entry as { addr?: unknown }).addr;
      return typeof addr === "string" ? addr : "";
    }).join(", ")}`)
    .join("; ");
}

function row(server: Server): Row {
  const power = server["OS-EXT-STS:power_state"];
  return {
    ...server,
    task_state: server["OS-EXT-STS:task_state"] ?? null,
    vm_state: server["OS-EXT-STS:vm_state"],
    power_state: power === undefined ? null : (POWER_STATES[power] ?? String(power)),
    flavor_name: flavorName(server),
    image_id: imageId(server),
    node: server["OS-EXT-SRV-ATTR:hypervisor_hostname"],
    addresses: addressesText(server["addresses"]),
  };
}

function showServer(context: CliContext, server: Server): void {
  if (context.format === "json") {
    printRecord(server, "json");
    return;
  }
  const view = row(server);
  const fields = ["id", "name", "status", "task_state", "vm_state", "power_state", "progress", "flavor_name", "image_id", "key_name",
    "metadata", "tenant_id", "user_id", "OS-EXT-AZ:availability_zone", "node", "addresses", "created", "updated", "fault"];
  const record: Row = {};
  for (const field of fields) if (view[field] !== undefined) record[field.replace(/^OS-EXT-AZ:/, "")] = view[field];
  printRecord(record, "table");
}

async function getServer(context: CliContext, id: string): Promise<Server> {
  return (await context.client.get(`/v2.1/servers/${segment(id)}`, serverBody)).server;
}

/** Shows the server: once it is ACTIVE with --wait (unless it vanished meanwhile), at once otherwise. */
async function showActive(context: CliContext, id: string, wait: boolean): Promise<void> {
  const server = wait ? await waitForServer(context.client, id, "ACTIVE") : await getServer(context, id);
  if (server !== undefined) showServer(context, server);
}

/** Runs an action, then waits (with --wait) and shows the result. */
async function act(command: Command, nameOrId: string, body: unknown, target: WaitTarget, wait: boolean): Promise<void> {
  const context = contextOf(command);
  const id = await resolveServer(context.client, nameOrId);
  await context.client.send("POST", `/v2.1/servers/${segment(id)}/action`, body);
  if (!wait) return;
  const server = await waitForServer(context.client, id, target);
  if (server !== undefined) showServer(context, server);
}

function readUserData(file: string): string {
  const data = readFileSync(file);
  if (data.length > MAX_USER_DATA_BYTES) throw new CliError(`user data is ${data.length} bytes; the limit is ${MAX_USER_DATA_BYTES}`);
  return data.toString("base64");
}

export function registerServerCommands(program: Command): void {
  const server = program.command("server").description("servers: bare-metal machines deployed from an image");

  server
    .command("create <name>")
    .description("create a server")
    .requiredOption("--flavor <flavor>", "flavor name or id")
    .requiredOption("--image <image>", "image name or id")
    .option("--key-name <keypair>", "key pair to inject")
    .option("--user-data <file>", "user data file (at most 64 KiB)")
    .option("--property <key=value>", "metadata (repeatable)", collect)
    .option("--network <network>", "'none', 'auto' (the project's one network, or the shared one) or a network name or id", "auto")
    .option("--availability-zone <zone>", "availability zone")
    .option("--wait", "wait until the server is ACTIVE (or ERROR)")
    .action(async (name: string, options: { flavor: string; image: string; keyName?: string; userData?: string; property?: string[]; network: string; availabilityZone?: string; wait?: boolean }, command: Command) => {
      const context = contextOf(command);
      const [flavorRef, imageRef] = await Promise.all([resolveFlavor(context.client, options.flavor), resolveImage(context.client, options.image)]);
      const network = options.network === "none" || options.network === "auto" ? options.network : [{ uuid: await resolveNetwork(context.client, options.network) }];
      const body = {
        server: {
          name,
          flavorRef,
          imageRef,
          networks: network,
          min_count: 1,
          max_count: 1,
          ...(options.keyName === undefined ? {} : { key_name: options.keyName }),
          ...(options.userData === undefined ? {} : { user_data: readUserData(options.userData) }),
          ...(options.property === undefined ? {} : { metadata: keyValues(options.property, "--property") }),
          ...(options.availabilityZone === undefined ? {} : { availability_zone: options.availabilityZone }),
        },
      };
      const { id } = (await context.client.json("POST", "/v2.1/servers", createdServer, body)).server;
      await showActive(context, id, options.wait === true);
    });

  server
    .command("list")
    .description("list servers")
    .option("--all-projects", "servers of every project (admin)")
    .option("--name <name>", "only servers whose name matches this regular expression (as Nova)")
    .action(async (options: { allProjects?: boolean; name?: string }, command: Command) => {
      const context = contextOf(command);
      const query = new URLSearchParams();
      if (options.allProjects === true) query.set("all_tenants", "1");
      if (options.name !== undefined) query.set("name", options.name);
      const suffix = query.size > 0 ? `?${query.toString()}` : "";
      const { servers } = await context.client.get(`/v2.1/servers/detail${suffix}`, serverList);
      printList(servers.map(row), [["id", "ID"], ["name", "Name"], ["status", "Status"], ["task_state", "Task State"], ["power_state", "Power State"], ["flavor_name", "Flavor"], ["image_id", "Image"]], context.format);
    });

  server
    .command("show <server>")
    .description("show a server")
    .action(async (nameOrId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      showServer(context, await getServer(context, await resolveServer(context.client, nameOrId)));
    });

  server
    .command("delete <server>")
    .description("delete a server")
    .option("--wait", "wait until it is gone")
    .action(async (nameOrId: string, options: { wait?: boolean }, command: Command) => {
      const context = contextOf(command);
      const id = await resolveServer(context.client, nameOrId);
      await context.client.send("DELETE", `/v2.1/servers/${segment(id)}`);
      if (options.wait === true) await waitForServer(context.client, id, "deleted");
    });

  server
    .command("reboot <server>")
    .description("reboot a server (soft unless --hard)")
    .option("--hard", "power cycle instead of asking the OS")
    .option("--wait", "wait until it is ACTIVE again")
    .action(async (nameOrId: string, options: { hard?: boolean; wait?: boolean }, command: Command) => {
      await act(command, nameOrId, { reboot: { type: options.hard === true ? "HARD" : "SOFT" } }, "ACTIVE", options.wait === true);
    });

  for (const [verb, key, target, description] of [
    ["stop", "os-stop", "SHUTOFF", "power a server off"],
    ["start", "os-start", "ACTIVE", "power a server on"],
    ["unrescue", "unrescue", "ACTIVE", "leave rescue mode"],
  ] as const) {
    server
      .command(`${verb} <server>`)
      .description(description)
      .option("--wait", `wait until it is ${target}`)
      .action(async (nameOrId: string, options: { wait?: boolean }, command: Command) => {
        await act(command, nameOrId, { [key]: null }, target, options.wait === true);
      });
  }

  server
    .command("rebuild <server>")
    .description("redeploy a server from an image (default: its current image)")
    .option("--image <image>", "image name or id")
    .option("--name <name>", "new name")
    .option("--wait", "wait until it is ACTIVE again")
    .action(async (nameOrId: string, options: { image?: string; name?: string; wait?: boolean }, command: Command) => {
      const context = contextOf(command);
      const id = await resolveServer(context.client, nameOrId);
      const current = await getServer(context, id);
      const imageRef = options.image === undefined ? imageId(current) : await resolveImage(context.client, options.image);
      if (typeof imageRef !== "string" || imageRef === "") throw new CliError("the server has no image; pass --image");
      await context.client.json("POST", `/v2.1/servers/${segment(id)}/action`, serverBody, {
        rebuild: { imageRef, ...(options.name === undefined ? {} : { name: options.name }) },
      });
      await showActive(context, id, options.wait === true);
    });

  server
    .command("rescue <server>")
    .description("boot a server into the rescue environment; prints the rescue password")
    .option("--wait", "wait until it is in RESCUE")
    .action(async (nameOrId: string, options: { wait?: boolean }, command: Command) => {
      const context = contextOf(command);
      const id = await resolveServer(context.client, nameOrId);
      const result = await context.client.json("POST", `/v2.1/servers/${segment(id)}/action`, rescueBody, { rescue: null });
      if (options.wait === true) await waitForServer(context.client, id, "RESCUE");
      printRecord({ id, adminPass: result.adminPass ?? null }, context.format);
    });

  server
    .command("console <server>")
    .description("print the serial console URL")
    .action(async (nameOrId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      const id = await resolveServer(context.client, nameOrId);
      const { remote_console: console } = await context.client.json("POST", `/v2.1/servers/${segment(id)}/remote-consoles`, consoleBody, {
        remote_console: { protocol: "serial", type: "serial" },
      });
      printRecord({ id, type: "serial", url: console.url }, context.format);
    });
}
