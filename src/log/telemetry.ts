// What every layer tells the operator besides log lines: metric observations
// and trace spans. The interface lives here, beneath everything, so that
// src/ironic and src/driver report without knowing who listens; the API layer
// implements it with prom-client (src/api/metrics.ts) and the process wiring
// gives it a tracer (src/cli/tracing.ts). The default observer does nothing.
//
// Traces follow one request id: an API request's span has the trace id of its
// `req-<uuid>` (the uuid's 32 hex digits) and a span id derived from it, so a
// durable task — which keeps only the request id (through its instance action)
// — starts its span as a child of the API span, in another process or after a
// restart alike, without storing a trace context.
import { createHash } from "node:crypto";
import {
  ROOT_CONTEXT,
  SpanStatusCode,
  TraceFlags,
  context,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
} from "@opentelemetry/api";
import { processSecrets } from "./redact.js";

/** How an Ironic request ended: its HTTP status, or "error" when no answer came. */
export interface IronicRequestObservation {
  method: string;
  /** The path's pattern (`/v1/nodes/{node}/states/provision`), never raw ids. */
  route: string;
  status: string;
  seconds: number;
}

export type TaskOutcome = "done" | "failed" | "lease_lost" | "cancelled" | "deferred";

export interface ServiceObserver {
  /** Spans of every layer; a no-op tracer unless tracing is configured. */
  readonly tracer: Tracer;
  ironicRequest(observation: IronicRequestObservation): void;
  ironicRetry(observation: { method: string; route: string; reason: string }): void;
  taskFinished(observation: { kind: string; outcome: TaskOutcome; seconds: number }): void;
  leaseLost(observation: { kind: string }): void;
  reconcilePass(observation: { seconds: number; outcome: "ok" | "error" }): void;
  reconcileSkipped(): void;
  /**
   * A driver operation (spawn, destroy, rebuild, rescue, unrescue) is about to
   * run `step` — one mutating Ironic call — or to wait ("wait"): the progress
   * every operation reports (src/driver/operation.ts), whether or not its task
   * records it. Optional: for metrics, and for the crash soak's child process,
   * which kills itself at a chosen step (test/support/compute-child.ts).
   */
  driverStep?(observation: { operation: string; step: string }): void;
}

// The API's global provider: a no-op, since this project never registers a
// global one (each service has its own provider, src/cli/tracing.ts).
const noTracer: Tracer = trace.getTracer("ironic-compute");

/** Reports nothing (library objects built without an observer; tests). */
export const noopObserver: ServiceObserver = {
  tracer: noTracer,
  ironicRequest: () => undefined,
  ironicRetry: () => undefined,
  taskFinished: () => undefined,
  leaseLost: () => undefined,
  reconcilePass: () => undefined,
  reconcileSkipped: () => undefined,
};

const REQUEST_ID = /^req-([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/;

/** The trace and span ids of the API span of `requestId`; undefined for another shape. */
export function requestSpanIds(requestId: string): { traceId: string; spanId: string } | undefined {
  const match = REQUEST_ID.exec(requestId);
  if (match === null) return undefined;
  const traceId = match.slice(1).join("");
  const spanId = createHash("sha256").update(`api-span:${requestId}`).digest("hex").slice(0, 16);
  return { traceId, spanId: spanId === "0000000000000000" ? "0000000000000001" : spanId };
}

// The ids the next root span takes (set and consumed synchronously around one
// startSpan call: JavaScript runs nothing else in between).
let pendingIds: { traceId: string; spanId: string } | undefined;

/**
 * The tracer provider's id generator (IdGenerator of the OpenTelemetry SDK):
 * random ids, except for the API span startRequestSpan starts.
 */
export class RequestIdGenerator {
  generateTraceId(): string {
    return pendingIds?.traceId ?? randomHex(16);
  }

  generateSpanId(): string {
    return pendingIds?.spanId ?? randomHex(8);
  }
}

function randomHex(bytes: number): string {
  for (;;) {
    const hex = Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
    if (!/^0+$/.test(hex)) return hex;
  }
}

/** The root span of an API request, with the ids requestSpanIds gives its request id. */
export function startRequestSpan(tracer: Tracer, name: string, requestId: string, attributes: Attributes): Span {
  pendingIds = requestSpanIds(requestId);
  try {
    return tracer.startSpan(name, { root: true, attributes: { ...attributes, "openstack.request_id": requestId } }, ROOT_CONTEXT);
  } finally {
    pendingIds = undefined;
  }
}

/** The context whose parent is the API span of `requestId` (a remote span: it may be another process's). */
export function requestContext(requestId: string): Context {
  const ids = requestSpanIds(requestId);
  if (ids === undefined) return ROOT_CONTEXT;
  const parent: SpanContext = { ...ids, traceFlags: TraceFlags.SAMPLED, isRemote: true };
  return trace.setSpanContext(ROOT_CONTEXT, parent);
}

/**
 * Marks a span as failed by `error`: its type and message, scrubbed of the
 * process's registered secrets as log lines are (spans do not pass the logger).
 */
export function recordFailure(span: Span, error: unknown): void {
  const message = error instanceof Error ? processSecrets.scrub(`${error.name}: ${error.message}`).slice(0, 300) : "failed";
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  if (error instanceof Error) span.setAttribute("error.type", error.name);
}

/**
 * Runs `work` inside a new span (a child of the active one, or of `parent`),
 * active while it runs so that spans started inside nest under it.
 */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  const span = tracer.startSpan(name, { attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}
