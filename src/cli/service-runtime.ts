// Starts and stops one ironic-compute process: store → Ironic client → compute
// service → API. Used by `serve`, by `dev` and by the API/CLI tests, so all
// three run the same wiring.
import type { Caller } from "../compute/contract.js";
import type { ComputeConfig } from "../compute/config.js";
import { createComputeService, type ComputeService } from "../compute/service.js";
import type { DriverConfig } from "../driver/config.js";
import { IronicClient } from "../ironic/client.js";
import type { IronicClientOptions } from "../ironic/config.js";
import type { Logger } from "../log/logger.js";
import { processSecrets } from "../log/redact.js";
import type { LoginLimits } from "../api/login-limits.js";
import { startApi, type RunningApi } from "../api/server.js";
import { createServiceMetrics } from "../api/metrics.js";
import { startTracing } from "./tracing.js";
import type { TracingConfig } from "./tracing-config.js";
import { openStore, type StoreConfig } from "../store/open.js";
import type { SecretBox } from "../store/secret-box.js";
import { webPlugins } from "../web/plugins.js";
import type { Store } from "../store/store.js";

export interface RuntimeOptions {
  database: StoreConfig;
  ironic: IronicClientOptions;
  driver: DriverConfig;
  compute: ComputeConfig;
  api: {
    host: string;
    port: number;
    auth: "basic" | "none";
    noneCaller?: Omit<Caller, "requestId">;
    tls?: { cert: string; key: string };
    authCacheTtlMs?: number;
    listCacheMiB?: number;
    login?: LoginLimits;
    metricsPublic?: boolean;
    publicUrl?: string;
    region?: string;
    allowedHosts?: readonly string[];
  };
  /** Seals the secrets the database keeps (cli/secrets-key.ts loads the service's). */
  secrets: SecretBox;
  /** OpenTelemetry traces (off without tracing.otlpEndpoint). */
  tracing?: TracingConfig;
  /** Created on start when missing (first start). */
  bootstrapAdmin?: { project: string; user: string; password: string };
  log: Logger;
}

export interface RunningService {
  store: Store;
  ironic: IronicClient;
  compute: ComputeService;
  api: RunningApi;
  /** API first (no new work), then the workers, then the connections. Idempotent. */
  stop(): Promise<void>;
}

function registerDatabaseSecret(database: StoreConfig): void {
  if (database.kind !== "postgres") return;
  try {
    const password = new URL(database.url).password;
    if (password !== "") {
      processSecrets.register(password);
      processSecrets.register(decodeURIComponent(password));
    }
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
}

export async function startService(options: RuntimeOptions): Promise<RunningService> {
  const { log } = options;
  registerDatabaseSecret(options.database);
  processSecrets.register(options.bootstrapAdmin?.password);
  const store = await openStore(options.database, options.secrets);
  // One registry and one tracer per service: every layer reports to its observer.
  const tracing = startTracing(options.tracing);
  const metrics = createServiceMetrics({ tracer: tracing.tracer });
  const { observer } = metrics;
  const ironic = new IronicClient(options.ironic, log, observer);
  let compute: ComputeService | undefined;
  try {
    compute = await createComputeService({ store, ironic, driver: options.driver, compute: options.compute, log, observer });
    if (options.bootstrapAdmin !== undefined) await compute.bootstrapAdmin(options.bootstrapAdmin);
    await compute.start();
    const api = await startApi(compute, { log, ...options.api, metrics, plugins: webPlugins(compute) });
    let stopping: Promise<void> | undefined;
    const running: RunningService = {
      store,
      ironic,
      compute,
      api,
      stop: () => {
        stopping ??= (async () => {
          await api.close();
          await running.compute.stop();
          await ironic.close();
          await store.close();
          await tracing.shutdown();
        })();
        return stopping;
      },
    };
    return running;
  } catch (error) {
    await compute?.stop();
    await ironic.close();
    await store.close();
    await tracing.shutdown();
    throw error;
  }
}

/** Resolves on the first SIGINT or SIGTERM; the listeners stay until `release`. */
export function untilSignal(): { signal: Promise<NodeJS.Signals>; release(): void } {
  let resolveSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    resolveSignal = resolve;
  });
  const onSignal = (name: NodeJS.Signals): void => {
    resolveSignal(name);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal,
    release: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
