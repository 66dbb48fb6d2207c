// `ironic-compute image …`: list, show, create (admin), delete (admin).
// Images are URLs Ironic downloads from, with a checksum.
import type { Command } from "commander";
import { segment } from "./client/api-client.js";
import { collect, contextOf, keyValues } from "./client/context.js";
import { printList, printRecord } from "./client/output.js";
import { resolveImage } from "./client/resolve.js";
import { imageList, imageSchema } from "./client/shapes.js";

export function registerImageCommands(program: Command): void {
  const image = program.command("image").description("images: what servers are deployed from");

  image.command("list").description("list images").action(async (_options: unknown, command: Command) => {
    const context = contextOf(command);
    const { images } = await context.client.get("/image/v2/images", imageList);
    printList(images, [["id", "ID"], ["name", "Name"], ["status", "Status"], ["visibility", "Visibility"], ["disk_format", "Disk Format"]], context.format);
  });

  image.command("show <image>").description("show an image").action(async (nameOrId: string, _options: unknown, command: Command) => {
    const context = contextOf(command);
    const id = await resolveImage(context.client, nameOrId);
    printRecord(await context.client.get(`/image/v2/images/${segment(id)}`, imageSchema), context.format);
  });

  image
    .command("create <name>")
    .description("register an image (admin)")
    .requiredOption("--url <url>", "http(s) URL Ironic downloads the image from")
    .option("--checksum <md5>", "MD5 checksum")
    .option("--os-hash-algo <algo>", "sha256 or sha512")
    .option("--os-hash-value <hex>", "digest for --os-hash-algo")
    .option("--disk-format <format>", "qcow2, raw, …", "qcow2")
    .option("--size <bytes>", "size in bytes")
    .option("--private", "visible to your project only")
    .option("--property <key=value>", "image property (repeatable)", collect)
    .action(async (name: string, options: { url: string; checksum?: string; osHashAlgo?: string; osHashValue?: string; diskFormat: string; size?: string;
      private?: boolean; property?: string[] }, command: Command) => {
      const context = contextOf(command);
      const created = await context.client.json("POST", "/image/v2/images", imageSchema, {
        ...keyValues(options.property, "--property"),
        name,
        url: options.url,
        disk_format: options.diskFormat,
        visibility: options.private === true ? "private" : "public",
        ...(options.checksum === undefined ? {} : { checksum: options.checksum }),
        ...(options.osHashAlgo === undefined ? {} : { os_hash_algo: options.osHashAlgo }),
        ...(options.osHashValue === undefined ? {} : { os_hash_value: options.osHashValue }),
        ...(options.size === undefined ? {} : { size: Number(options.size) }),
      });
      printRecord(created, context.format);
    });

  image.command("delete <image>").description("delete an image (admin)").action(async (nameOrId: string, _options: unknown, command: Command) => {
    const context = contextOf(command);
    await context.client.send("DELETE", `/image/v2/images/${segment(await resolveImage(context.client, nameOrId))}`);
  });
}
