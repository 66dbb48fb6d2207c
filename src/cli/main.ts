// Entry point of the `ironic-compute` command.
import { Command } from "commander";
import { buildVersion } from "../api/build-info.js";
import { registerAuditCommands } from "./audit-commands.js";
import { CliError } from "./client/errors.js";
import { addGlobalOptions } from "./client/context.js";
import { registerConfigCommands } from "./config-check-command.js";
import { registerDbCommands } from "./db-commands.js";
import { ConfigError } from "./config.js";
import { registerDevCommand } from "./dev-command.js";
import { registerFlavorCommands } from "./flavor-commands.js";
import { registerProjectCommands, registerUserCommands } from "./identity-commands.js";
import { registerImageCommands } from "./image-commands.js";
import { registerKeypairCommands } from "./keypair-commands.js";
import { registerNodeCommands } from "./node-commands.js";
import { registerServeCommand } from "./serve-command.js";
import { registerServerCommands } from "./server-commands.js";
import { registerStatusCommand } from "./status-command.js";
import { SchemaNewerError } from "../store/migrations.js";

const program = addGlobalOptions(
  new Command()
    .name("ironic-compute")
    .description("Bare-metal servers through OpenStack Ironic, as if they were virtual machines")
    .version(buildVersion()),
);

registerServeCommand(program);
registerConfigCommands(program);
registerDbCommands(program);
registerDevCommand(program);
registerServerCommands(program);
registerFlavorCommands(program);
registerImageCommands(program);
registerKeypairCommands(program);
registerProjectCommands(program);
registerUserCommands(program);
registerNodeCommands(program);
registerAuditCommands(program);
registerStatusCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Expected failures are one line and exit code 1; anything else is a bug and keeps its stack.
  if (error instanceof CliError || error instanceof ConfigError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = 1;
  } else if (error instanceof SchemaNewerError) {
    // An older binary started on a newer database (README "Upgrades").
    process.stderr.write(`error: ironic-compute ${buildVersion()}: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
