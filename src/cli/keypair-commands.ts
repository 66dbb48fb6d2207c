// `ironic-compute keypair …`: create (generated keys print the private key once),
// list, show, delete.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { segment } from "./client/api-client.js";
import { contextOf } from "./client/context.js";
import { printList, printRecord } from "./client/output.js";
import { keypairBody, keypairList } from "./client/shapes.js";

export function registerKeypairCommands(program: Command): void {
  const keypair = program.command("keypair").description("SSH key pairs injected into servers");

  keypair
    .command("create <name>")
    .description("import a public key, or generate a pair (the private key is printed once, to stdout)")
    .option("--public-key <file>", "public key file to import")
    .action(async (name: string, options: { publicKey?: string }, command: Command) => {
      const context = contextOf(command);
      const publicKey = options.publicKey === undefined ? undefined : readFileSync(options.publicKey, "utf8").trim();
      const { keypair: created } = await context.client.json("POST", "/v2.1/os-keypairs", keypairBody, {
        keypair: { name, ...(publicKey === undefined ? {} : { public_key: publicKey }) },
      });
      if (context.format === "json") printRecord(created, "json");
      else if (created.private_key !== undefined) process.stdout.write(created.private_key.endsWith("\n") ? created.private_key : `${created.private_key}\n`);
      else printRecord({ name: created.name, fingerprint: created.fingerprint }, "table");
    });

  keypair.command("list").description("list your key pairs").action(async (_options: unknown, command: Command) => {
    const context = contextOf(command);
    const { keypairs } = await context.client.get("/v2.1/os-keypairs", keypairList);
    printList(keypairs.map((item) => item.keypair), [["name", "Name"], ["fingerprint", "Fingerprint"], ["type", "Type"]], context.format);
  });

  keypair.command("show <name>").description("show a key pair").action(async (name: string, _options: unknown, command: Command) => {
    const context = contextOf(command);
    printRecord((await context.client.get(`/v2.1/os-keypairs/${segment(name)}`, keypairBody)).keypair, context.format);
  });

  keypair.command("delete <name>").description("delete a key pair").action(async (name: string, _options: unknown, command: Command) => {
    await contextOf(command).client.send("DELETE", `/v2.1/os-keypairs/${segment(name)}`);
  });
}
