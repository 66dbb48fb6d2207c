// The tracing section of the configuration (apart from tracing.ts, so that
// reading the configuration does not load the OpenTelemetry SDK).
import { z } from "zod";

export const tracingConfigSchema = z
  .object({
    otlpEndpoint: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("Base URL of an OTLP/HTTP trace collector (e.g. http://otel-collector:4318); spans are POSTed as OTLP JSON to its path /v1/traces. Unset: no traces are made."),
    serviceName: z.string().min(1).max(255).default("ironic-compute").describe("The service.name resource attribute of the spans."),
  })
  .strict();

export type TracingConfig = z.output<typeof tracingConfigSchema>;
