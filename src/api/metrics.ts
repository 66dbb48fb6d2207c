// The service's Prometheus metrics, on prom-client: one Registry per service
// instance (never prom-client's global one, so several services in one process
// — the tests — keep apart), with prom-client's default Node metrics (event-loop
// lag, GC, heap, handles, process CPU and memory) and the series below.
// `ServiceMetrics.observer` is what the lower layers report to (the
// ServiceObserver of src/log/telemetry.ts): they never import this file.
//
// Label values are bounded by construction: route patterns (the API's
// `/v2.1/servers/:id`, Ironic's `/v1/nodes/{node}`), task kinds, outcomes and
// status codes — never an id, a name or a query.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Tracer } from "@opentelemetry/api";
import { noopObserver, type ServiceObserver } from "../log/telemetry.js";
import { taskKindParamsSchema } from "../store/task-params.js";
import { buildVersion } from "./build-info.js";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Prometheus' client default buckets, plus 30 s (a listing of a large Ironic). */
export const DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Tasks: a power action takes seconds, a deploy on real hardware tens of minutes. */
export const TASK_BUCKETS: readonly number[] = [0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

export interface ServiceMetrics {
  readonly registry: Registry;
  /** What the store, driver, Ironic client and task runner report to. */
  readonly observer: ServiceObserver;
  readonly httpRequests: Counter;
  readonly httpDurations: Histogram;
  readonly authFailures: Counter;
  readonly rateLimited: Counter;
}

export interface ServiceMetricsOptions {
  /** The tracer the observer hands to every layer (default: none). */
  tracer?: Tracer;
}

export function createServiceMetrics(options: ServiceMetricsOptions = {}): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({ name: "ironic_compute_build_info", help: "The running ironic-compute version (always 1).", labelNames: ["version"], registers }).set(
    { version: buildVersion() },
    1,
  );
  const httpRequests = new Counter({
    name: "ironic_compute_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status code.",
    labelNames: ["method", "route", "status"],
    registers,
  });
  const httpDurations = new Histogram({
    name: "ironic_compute_http_request_duration_seconds",
    help: "Time from receiving an HTTP request to finishing its response, by method and route pattern.",
    labelNames: ["method", "route"],
    buckets: [...DURATION_BUCKETS],
    registers,
  });
  const authFailures = new Counter({
    name: "ironic_compute_auth_failures_total",
    help: "Requests answered 401 (missing or wrong credentials, a bad token), by route pattern.",
    labelNames: ["route"],
    registers,
  });
  const rateLimited = new Counter({
    name: "ironic_compute_rate_limited_requests_total",
    help: "Requests refused with 429 (too many failed logins), by route pattern.",
    labelNames: ["route"],
    registers,
  });
  const ironicRequests = new Counter({
    name: "ironic_compute_ironic_requests_total",
    help: "Requests sent to Ironic (each attempt), by method, path pattern and status (\"error\": no answer).",
    labelNames: ["method", "route", "status"],
    registers,
  });
  const ironicDurations = new Histogram({
    name: "ironic_compute_ironic_request_duration_seconds",
    help: "Time of one Ironic request attempt until its whole answer, by method and path pattern.",
    labelNames: ["method", "route"],
    buckets: [...DURATION_BUCKETS],
    registers,
  });
  const ironicRetries = new Counter({
    name: "ironic_compute_ironic_retries_total",
    help: "Ironic requests resent by the retry policy, by method, path pattern and reason (the error kind).",
    labelNames: ["method", "route", "reason"],
    registers,
  });
  const taskDurations = new Histogram({
    name: "ironic_compute_task_duration_seconds",
    help: "Time of one execution of a durable task, by kind and outcome (done, failed, lease_lost, cancelled, deferred: Ironic unreachable, resumed later).",
    labelNames: ["kind", "outcome"],
    buckets: [...TASK_BUCKETS],
    registers,
  });
  const leaseLosses = new Counter({
    name: "ironic_compute_task_lease_losses_total",
    help: "Running tasks this worker stopped because it could no longer prove it held their lease, by kind.",
    labelNames: ["kind"],
    registers,
  });
  // Every kind at 0 from the start: a loss is rare, and rate() needs the series before it.
  for (const option of taskKindParamsSchema.options) leaseLosses.inc({ kind: option.shape.kind.value }, 0);
  const reconcileDurations = new Histogram({
    name: "ironic_compute_reconcile_pass_duration_seconds",
    help: "Time of one reconcile pass, by outcome (ok, error).",
    labelNames: ["outcome"],
    buckets: [...DURATION_BUCKETS],
    registers,
  });
  const reconcileSkipped = new Counter({
    name: "ironic_compute_reconcile_skipped_ticks_total",
    help: "Reconcile ticks skipped because the previous pass was still running.",
    registers,
  });
  // Present from the start at 0, so that rate() sees the first increase.
  reconcileSkipped.inc(0);

  const observer: ServiceObserver = {
    tracer: options.tracer ?? noopObserver.tracer,
    ironicRequest: ({ method, route, status, seconds }) => {
      ironicRequests.inc({ method, route, status });
      ironicDurations.observe({ method, route }, seconds);
    },
    ironicRetry: ({ method, route, reason }) => {
      ironicRetries.inc({ method, route, reason });
    },
    taskFinished: ({ kind, outcome, seconds }) => {
      taskDurations.observe({ kind, outcome }, seconds);
    },
    leaseLost: ({ kind }) => {
      leaseLosses.inc({ kind });
    },
    reconcilePass: ({ seconds, outcome }) => {
      reconcileDurations.observe({ outcome }, seconds);
    },
    reconcileSkipped: () => {
      reconcileSkipped.inc();
    },
  };
  return { registry, observer, httpRequests, httpDurations, authFailures, rateLimited };
}
