// An in-process OTLP/HTTP trace collector for the tracing tests: accepts what
// @opentelemetry/exporter-trace-otlp-http POSTs to /v1/traces (OTLP JSON, ids
// as hex) and keeps the spans. A stand-in for an OpenTelemetry Collector, which
// would only add a process to start: the protocol is the same.
import { createServer, type Server } from "node:http";
import { z } from "zod";

const anyValueSchema = z
  .object({ stringValue: z.string().optional(), intValue: z.union([z.string(), z.number()]).optional(), boolValue: z.boolean().optional(), doubleValue: z.number().optional() })
  .loose();
const attributesSchema = z.array(z.object({ key: z.string(), value: anyValueSchema })).default([]);

const spanSchema = z
  .object({
    traceId: z.string().regex(/^[0-9a-f]{32}$/),
    spanId: z.string().regex(/^[0-9a-f]{16}$/),
    parentSpanId: z.string().optional(),
    name: z.string(),
    attributes: attributesSchema,
    links: z.array(z.object({ traceId: z.string(), spanId: z.string() }).loose()).default([]),
    status: z.object({ code: z.number().optional() }).loose().optional(),
  })
  .loose();

const exportSchema = z.object({
  resourceSpans: z.array(
    z.object({
      resource: z.object({ attributes: attributesSchema }).loose().optional(),
      scopeSpans: z.array(z.object({ spans: z.array(spanSchema).default([]) }).loose()).default([]),
    }),
  ),
});

export interface CollectedSpan {
  traceId: string;
  spanId: string;
  /** Undefined for a root span. */
  parentSpanId: string | undefined;
  name: string;
  attributes: Record<string, string | number | boolean>;
  service: string | undefined;
}

function flatten(attributes: z.infer<typeof attributesSchema>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes) {
    const scalar = value.stringValue ?? (value.intValue === undefined ? undefined : Number(value.intValue)) ?? value.boolValue ?? value.doubleValue;
    if (scalar !== undefined) out[key] = scalar;
  }
  return out;
}

export interface OtlpCollector {
  /** The base URL to configure as tracing.otlpEndpoint. */
  url: string;
  spans: CollectedSpan[];
  /** Requests that were not OTLP JSON on /v1/traces (a test fails on any). */
  rejected: string[];
  close(): Promise<void>;
}

export async function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: CollectedSpan[] = [];
  const rejected: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const type = request.headers["content-type"] ?? "";
      if (request.method !== "POST" || request.url !== "/v1/traces" || !type.startsWith("application/json")) {
        rejected.push(`${request.method ?? ""} ${request.url ?? ""} ${type}`);
        response.writeHead(404).end();
        return;
      }
      const parsed = exportSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      if (!parsed.success) {
        rejected.push(`bad body: ${parsed.error.message}`);
        response.writeHead(400).end();
        return;
      }
      for (const resourceSpans of parsed.data.resourceSpans) {
        const service = flatten(resourceSpans.resource?.attributes ?? [])["service.name"];
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans) {
            spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId === undefined || span.parentSpanId === "" ? undefined : span.parentSpanId,
              name: span.name,
              attributes: flatten(span.attributes),
              service: typeof service === "string" ? service : undefined,
            });
          }
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the collector has no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    spans,
    rejected,
    close: () => new Promise((resolve) => server.close(() => { resolve(); })),
  };
}
