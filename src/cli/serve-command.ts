// `ironic-compute serve`: the service, configured by a YAML file and/or
// IRONIC_COMPUTE_* variables (see config.ts). SIGINT/SIGTERM stop it cleanly.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { loadServiceConfig, startupWarnings } from "./config.js";

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("run the compute service and its API (config: --config FILE or $IRONIC_COMPUTE_CONFIG, plus IRONIC_COMPUTE_* variables)")
    .option("--config <file>", "YAML configuration file")
    .action(async (options: { config?: string }) => {
      const config = loadServiceConfig(options.config === undefined ? {} : { file: options.config });
      // The service's modules load only when it runs, not for every client command.
      const [{ ironicClientOptions }, { createLogger }, { startService, untilSignal }, { loadSecrets }] = await Promise.all([
        import("../ironic/config.js"),
        import("../log/logger.js"),
        import("./service-runtime.js"),
        import("./secrets-key.js"),
      ]);
      const log = createLogger({ level: config.log.level });
      for (const warning of startupWarnings(config)) log.warn(warning);
      const tls = config.api.tls;
      const noAuth = config.api.noAuth;
      const running = await startService({
        database: config.database,
        secrets: await loadSecrets(config.database, config.secrets.keyFile),
        ironic: ironicClientOptions(config.ironic),
        driver: config.driver,
        compute: config.compute,
        api: {
          host: config.api.host,
          port: config.api.port,
          auth: config.api.auth,
          authCacheTtlMs: config.api.authCacheTtlMs,
          listCacheMiB: config.api.listCacheMiB,
          login: config.api.login,
          metricsPublic: config.api.metricsPublic,
          region: config.api.region,
          ...(config.api.publicUrl === undefined ? {} : { publicUrl: config.api.publicUrl }),
          ...(config.api.allowedHosts === undefined ? {} : { allowedHosts: config.api.allowedHosts }),
          ...(noAuth === undefined
            ? {}
            : { noneCaller: { userId: `noauth-${noAuth.userName}`, userName: noAuth.userName, projectId: noAuth.projectId, role: noAuth.role } }),
          ...(tls === undefined ? {} : { tls: { cert: readFileSync(tls.certFile, "utf8"), key: readFileSync(tls.keyFile, "utf8") } }),
        },
        ...(config.bootstrapAdmin === undefined ? {} : { bootstrapAdmin: config.bootstrapAdmin }),
        tracing: config.tracing,
        log,
      });
      const signals = untilSignal();
      log.info({ url: running.api.url, worker: running.compute.workerId, database: config.database.kind }, "ironic-compute API listening");
      const signal = await signals.signal;
      log.info({ signal }, "stopping");
      await running.stop();
      signals.release();
    });
}
