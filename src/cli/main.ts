// Entry point of the `ironic-compute` command.
import { Command } from "commander";
import { registerDevCommand } from "./dev-command.js";

const program = new Command()
  .name("ironic-compute")
  .description("Bare-metal servers through OpenStack Ironic, as if they were virtual machines")
  .version("0.1.0");

registerDevCommand(program);

await program.parseAsync(process.argv);
