// A trace span per API request (when tracing is on: the tracer is a no-op
// otherwise). The span's ids come from the request id (src/log/telemetry.ts),
// so the durable task the request starts — which knows only the request id —
// starts its span as this span's child, in whichever worker runs it.
import type { FastifyReply, FastifyRequest } from "fastify";
import { context, trace, ROOT_CONTEXT, SpanStatusCode, type Span, type Tracer } from "@opentelemetry/api";
import { startRequestSpan } from "../log/telemetry.js";
import type { ApiInstance } from "./request-context.js";
import { UNMATCHED_ROUTE } from "./metrics-routes.js";

export function registerRequestSpans(app: ApiInstance, tracer: Tracer): void {
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook("onRequest", (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    const span = startRequestSpan(tracer, request.method, request.id, { "http.request.method": request.method });
    spans.set(request, span);
    // The rest of the request runs with the span active, so spans started on
    // the way (an Ironic call made by the handler) nest under it.
    context.with(trace.setSpan(ROOT_CONTEXT, span), done);
  });
  app.addHook("onResponse", async (request: FastifyRequest, reply: FastifyReply) => {
    const span = spans.get(request);
    if (span === undefined) return;
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    span.updateName(`${request.method} ${route}`);
    span.setAttributes({ "http.route": route, "http.response.status_code": reply.statusCode });
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}
