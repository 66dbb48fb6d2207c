// OpenTelemetry traces of one service process: off unless tracing.otlpEndpoint
// names an OTLP/HTTP collector, then spans (API requests, tasks, task steps,
// Ironic calls, reconcile passes) are batched and POSTed as OTLP JSON to
// <endpoint>/v1/traces.
//
// The provider is the service's own, never registered as the global one (tests
// run several services in one process). What is global is the context manager
// (AsyncLocalStorage), which only carries "the active span" along async calls
// and is the same for every service; it is registered once, the first time a
// service with tracing starts.
import { AsyncLocalStorage } from "node:async_hooks";
import { context, ROOT_CONTEXT, type Context, type ContextManager, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { noopObserver, RequestIdGenerator } from "../log/telemetry.js";
import { buildVersion } from "../api/build-info.js";
import type { TracingConfig } from "./tracing-config.js";

export interface Tracing {
  readonly tracer: Tracer;
  /** Sends the spans still buffered, then stops exporting. */
  shutdown(): Promise<void>;
}

/** The active context along async calls (what @opentelemetry/context-async-hooks does, in a few lines). */
class LocalStorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(active: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(active, () => fn.apply(thisArg, args));
  }

  bind<T>(active: Context, target: T): T {
    if (typeof target !== "function") return target;
    const run = target as (...args: unknown[]) => unknown;
    const bound = (...args: unknown[]): unknown => this.storage.run(active, () => run(...args));
    return bound as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}

let contextManagerSet = false;

export function startTracing(config: TracingConfig | undefined): Tracing {
  const endpoint = config?.otlpEndpoint;
  if (config === undefined || endpoint === undefined) return { tracer: noopObserver.tracer, shutdown: () => Promise.resolve() };
  if (!contextManagerSet) {
    // False when another manager is already registered: that one carries contexts then.
    context.setGlobalContextManager(new LocalStorageContextManager());
    contextManagerSet = true;
  }
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, "")}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": config.serviceName, "service.version": buildVersion() }),
    idGenerator: new RequestIdGenerator(),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1_000 })],
  });
  return { tracer: provider.getTracer("ironic-compute", buildVersion()), shutdown: () => provider.shutdown() };
}
