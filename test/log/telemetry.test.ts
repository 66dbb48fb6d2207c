// The request-id trace link (src/log/telemetry.ts), in-process: the API span's
// ids come from the request id, a task span started from the request id alone
// is its child, and failure messages are scrubbed of registered secrets.
import { randomUUID } from "node:crypto";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, describe, expect, it } from "vitest";
import { processSecrets } from "../../src/log/redact.js";
import { inSpan, recordFailure, requestContext, requestSpanIds, RequestIdGenerator, startRequestSpan } from "../../src/log/telemetry.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ idGenerator: new RequestIdGenerator(), spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer("test");
afterAll(() => provider.shutdown());

describe("request-id trace link", () => {
  it("the API span's trace id is the request's uuid; a span started from the request id alone is its child", async () => {
    const uuid = randomUUID();
    const requestId = `req-${uuid}`;
    const api = startRequestSpan(tracer, "POST /v2.1/servers", requestId, {});
    api.end();
    expect(api.spanContext().traceId).toBe(uuid.replace(/-/g, ""));
    expect(api.spanContext().spanId).toBe(requestSpanIds(requestId)?.spanId);
    // Later, elsewhere: only the request id is known.
    await inSpan(tracer, "task create", {}, () => Promise.resolve(), requestContext(requestId));
    const [apiSpan, taskSpan] = exporter.getFinishedSpans();
    expect(taskSpan?.spanContext().traceId).toBe(apiSpan?.spanContext().traceId);
    expect(taskSpan?.parentSpanContext?.spanId).toBe(apiSpan?.spanContext().spanId);
    // Other spans keep random ids.
    const other = tracer.startSpan("other");
    other.end();
    expect(other.spanContext().traceId).not.toBe(api.spanContext().traceId);
    expect(requestSpanIds("not-a-request-id")).toBeUndefined();
  });

  it("a failure's message on a span is scrubbed of registered secrets", () => {
    const secret = `hunter-${randomUUID()}`;
    processSecrets.register(secret);
    exporter.reset();
    const span = tracer.startSpan("failing");
    recordFailure(span, new Error(`login refused for password ${secret}`));
    span.end();
    const message = exporter.getFinishedSpans()[0]?.status.message ?? "";
    expect(message).toContain("login refused");
    expect(message).not.toContain(secret);
  });
});
