// `ironic-compute dev` (what `npm start` runs): a local Ironic with fake hardware
// and enrolled nodes, ready to use, until Ctrl-C.
import type { Command } from "commander";
import { enrolNodes } from "../dev/enrol.js";
import { startIronic } from "../dev/ironic-process.js";
import { IronicClient } from "../ironic/client.js";
import { ironicClientOptions } from "../ironic/config.js";
import { createLogger } from "../log/logger.js";

export function registerDevCommand(program: Command): void {
  program
    .command("dev")
    .description("start a local Ironic (fake hardware, SQLite) with enrolled nodes; Ctrl-C stops it")
    .option("--nodes <count>", "fake-hardware nodes to enrol", "8")
    .action(async (options: { nodes: string }) => {
      const count = Number.parseInt(options.nodes, 10);
      if (!Number.isInteger(count) || count < 0 || count > 10_000) {
        throw new Error(`--nodes must be an integer between 0 and 10000, not '${options.nodes}'`);
      }
      const log = createLogger({ level: "info" });
      log.info("starting a local Ironic (first run installs Debian's python3-ironic)");
      const ironic = await startIronic();
      const client = new IronicClient(ironicClientOptions({ url: ironic.url }), log);
      const uuids = await enrolNodes(client, { count, namePrefix: "node", resourceClass: "baremetal" });
      log.info({ ironic: ironic.url, nodes: uuids.length, logFile: ironic.logFile }, "local Ironic ready");
      process.stdout.write(
        `\nIronic:  ${ironic.url}  (noauth, fake hardware, ${uuids.length} nodes in 'available')\n` +
          `Try:     curl -s -H 'X-OpenStack-Ironic-API-Version: 1.82' ${ironic.url}/v1/nodes | head -c 400\n` +
          `Stop:    Ctrl-C\n`,
      );
      await client.close();
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await ironic.stop();
    });
}
