// GET /metrics: Prometheus text (format 0.0.4) about the API and the service.
//
// - Requests are counted and timed in an onResponse hook, labelled with the
//   route *pattern* (`/v2.1/servers/:id`), never the URL, so no id, name or
//   query ever becomes a label; requests no route matched share "unmatched".
// - The gauges are collected at scrape time from the compute layer, each source
//   with a short timeout. A source that fails or times out leaves its gauges
//   empty for that scrape (no stale values) and counts one
//   ironic_compute_scrape_errors_total{source}; the scrape itself still answers 200.
//   Concurrent scrapes share one collection.
// - Access: admin (HTTP Basic) by default. With `public` (api.metricsPublic) the
//   route needs no credentials, and is then served only while the API listens
//   on a loopback address (the configuration refuses anything else; this is the
//   second check).
import { randomUUID } from "node:crypto";
import { isIP } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Caller, ComputeApi } from "../compute/contract.js";
import type { VmState } from "../store/records.js";
import { Counter, Gauge, type Registry } from "prom-client";
import { sendFault } from "./errors.js";
import { createServiceMetrics, PROMETHEUS_CONTENT_TYPE, type ServiceMetrics } from "./metrics.js";
import type { ApiInstance } from "./request-context.js";

export const METRICS_PATH = "/metrics";
const DEFAULT_COLLECT_TIMEOUT_MS = 2_000;
/** Always exported, at 0 when no server is in them (deleted servers are not listed). */
const VM_STATES: readonly VmState[] = ["building", "active", "stopped", "rescued", "error"];
/** The label of requests that matched no route (their URL is never a label). */
export const UNMATCHED_ROUTE = "unmatched";

export interface MetricsOptions {
  /** No credentials needed (api.metricsPublic); honoured only on a loopback listener. */
  public?: boolean;
  /** Per source, at scrape time (default 2 s). */
  collectTimeoutMs?: number;
  /** Told about each failed or timed-out collection (the scrape itself goes on). */
  onSourceError?: (source: string, error: unknown) => void;
  /** The service's registry and series (startService makes one; default: a fresh one). */
  metrics?: ServiceMetrics;
}

function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^::ffff:/, "");
  if (isIP(bare) === 4) return bare.startsWith("127.");
  return bare === "::1";
}

/** The service itself, for the scrape-time reads (admin: every project). */
function systemCaller(): Caller {
  return { userId: "ironic-compute-metrics", userName: "ironic-compute-metrics", projectId: "", role: "admin", requestId: `req-${randomUUID()}` };
}

type Sample = { gauge: Gauge; labels: Record<string, string>; value: number };

function gauge(registry: Registry, name: string, help: string, labelNames: readonly string[] = []): Gauge {
  return new Gauge({ name, help, labelNames: [...labelNames], registers: [registry] });
}

interface Source {
  name: string;
  gauges: Gauge[];
  collect(): Promise<Sample[]>;
}

class TimeoutError extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new TimeoutError(`${what} took longer than ${ms} ms`));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

export interface ApiMetrics {
  registry: Registry;
  /** Records one finished request (called from the onResponse hook). */
  observe(method: string, route: string | undefined, status: number, seconds: number): void;
  /** Collects every scrape-time source (shared by concurrent callers), then renders. */
  scrape(): Promise<string>;
}

export function createApiMetrics(compute: ComputeApi, options: MetricsOptions = {}): ApiMetrics {
  const timeoutMs = options.collectTimeoutMs ?? DEFAULT_COLLECT_TIMEOUT_MS;
  const service = options.metrics ?? createServiceMetrics();
  const { registry } = service;
  const servers = gauge(registry, "ironic_compute_servers", "Servers of every project (deleted ones excluded), by vm_state.", ["status"]);
  const tasks = gauge(
    registry,
    "ironic_compute_tasks_active",
    "Servers with an operation pending or running (a task_state): at most one active task per server.",
  );
  const nodes = gauge(
    registry,
    "ironic_compute_nodes",
    "Ironic nodes this service manages (the driver's node cache), by provision state and availability for a new server.",
    ["provision_state", "available"],
  );
  const scrapeErrors = new Counter({
    name: "ironic_compute_scrape_errors_total",
    help: "Scrape-time collections that failed or timed out, by source; that scrape leaves the source's gauges out.",
    labelNames: ["source"],
    registers: [registry],
  });

  const sources: Source[] = [
    {
      name: "servers",
      gauges: [servers, tasks],
      collect: async () => {
        const listed = await compute.servers.list(systemCaller(), { allTenants: true });
        const byState = new Map<string, number>(VM_STATES.map((state) => [state, 0]));
        let active = 0;
        for (const server of listed) {
          byState.set(server.vmState, (byState.get(server.vmState) ?? 0) + 1);
          if (server.taskState !== null) active += 1;
        }
        return [
          ...[...byState].map(([status, value]) => ({ gauge: servers, labels: { status }, value })),
          { gauge: tasks, labels: {}, value: active },
        ];
      },
    },
  ];
  const nodeStates = compute.metrics.nodeStates?.bind(compute.metrics);
  if (nodeStates !== undefined) {
    sources.push({
      name: "nodes",
      gauges: [nodes],
      collect: async () =>
        (await nodeStates()).map(({ provisionState, available, count }) => ({
          gauge: nodes,
          labels: { provision_state: provisionState, available: String(available) },
          value: count,
        })),
    });
  }
  const reconcilerStats = compute.metrics.reconciler?.bind(compute.metrics);
  if (reconcilerStats !== undefined) {
    const leftAlone = gauge(
      registry,
      "ironic_compute_reconciler_claims_left_alone",
      "Claimed Ironic nodes the last reconcile pass left alone because they are not provably ours, by reason (unknown_instance: our store has no such instance; unmarked: the claim lacks our marker).",
      ["reason"],
    );
    const skipped = gauge(
      registry,
      "ironic_compute_reconciler_skipped_ticks",
      "Reconcile ticks skipped since start because the previous pass was still running.",
    );
    sources.push({
      name: "reconciler",
      gauges: [leftAlone, skipped],
      collect: () => {
        const stats = reconcilerStats();
        return Promise.resolve([
          ...Object.entries(stats.leftAlone).map(([reason, value]) => ({ gauge: leftAlone, labels: { reason }, value })),
          { gauge: skipped, labels: {}, value: stats.skippedTicks },
        ]);
      },
    });
  }
  const deployCounts = compute.metrics.deploys?.bind(compute.metrics);
  if (deployCounts !== undefined) {
    const inFlight = gauge(registry, "ironic_compute_deploys_in_flight", "Create tasks running now (leased by a worker), every worker of the database.");
    const queued = gauge(
      registry,
      "ironic_compute_deploys_queued",
      "Create tasks waiting for a worker (pending: the workers are busy or compute.maxConcurrentDeploys is reached).",
    );
    sources.push({
      name: "deploys",
      gauges: [inFlight, queued],
      collect: async () => {
        const counts = await deployCounts();
        return [
          { gauge: inFlight, labels: {}, value: counts.inFlight },
          { gauge: queued, labels: {}, value: counts.queued },
        ];
      },
    });
  }
  for (const source of sources) scrapeErrors.inc({ source: source.name }, 0);

  let collecting: Promise<string> | undefined;
  const collectAll = async (): Promise<void> => {
    const results = await Promise.allSettled(
      sources.map((source) => withTimeout(source.collect(), timeoutMs, `collecting ${source.name}`)),
    );
    results.forEach((result, index) => {
      const source = sources[index];
      if (source === undefined) return;
      // Emptied, label-less ones too (prom-client resets those to a 0 sample): a
      // failed source shows nothing rather than a value that looks measured.
      for (const gauge of source.gauges) {
        gauge.reset();
        gauge.remove({});
      }
      if (result.status === "rejected") {
        scrapeErrors.inc({ source: source.name });
        options.onSourceError?.(source.name, result.reason);
        return;
      }
      for (const sample of result.value) sample.gauge.set(sample.labels, sample.value);
    });
  };

  return {
    registry,
    observe: (method, route, status, seconds) => {
      const labels = { method, route: route ?? UNMATCHED_ROUTE };
      service.httpRequests.inc({ ...labels, status: String(status) });
      service.httpDurations.observe(labels, seconds);
      if (status === 401) service.authFailures.inc({ route: labels.route });
      if (status === 429) service.rateLimited.inc({ route: labels.route });
    },
    scrape: () => {
      collecting ??= collectAll()
        .then(() => registry.metrics())
        .finally(() => {
          collecting = undefined;
        });
      return collecting;
    },
  };
}

/**
 * Registers the request instrumentation (on every route of `app`, so call it
 * before the routes) and GET /metrics. Returns the metrics for tests.
 */
export function registerMetricsRoutes(app: ApiInstance, compute: ComputeApi, options: MetricsOptions = {}): ApiMetrics {
  const metrics = createApiMetrics(compute, {
    onSourceError: (source, error) => {
      app.log.warn({ err: error, source }, "a metrics source failed; this scrape leaves its gauges out");
    },
    ...options,
  });
  const isPublic = options.public === true;

  app.addHook("onResponse", async (request: FastifyRequest, reply: FastifyReply) => {
    metrics.observe(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
  });

  app.get(METRICS_PATH, { config: { access: isPublic ? "public" : "admin", versioned: false } }, async (_request, reply) => {
    if (isPublic) {
      const address = app.server.address();
      const bound = address !== null && typeof address === "object" ? address.address : undefined;
      if (bound === undefined || !isLoopbackAddress(bound)) {
        return sendFault(reply, 403, "Unauthenticated metrics (api.metricsPublic) are served only on a loopback listener.");
      }
    }
    const text = await metrics.scrape();
    return reply.code(200).type(PROMETHEUS_CONTENT_TYPE).send(text);
  });
  return metrics;
}
