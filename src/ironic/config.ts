// Configuration of the Ironic client, validated by a schema (S10, S12).
// `ironicClientConfigSchema` is what an operator writes (file paths); the client
// itself takes `IronicClientOptions` (PEM contents already read), so tests can
// pass generated material without touching the file system.

import { readFileSync } from "node:fs";
import { z } from "zod";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry.js";

const httpUrl = z
  .url({ protocol: /^https?$/, hostname: z.regexes.hostname })
  .describe("Ironic API endpoint, e.g. https://ironic.example:6385");

export const ironicAuthSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("none").describe("How ironic-compute authenticates to Ironic: none (a trusted network), http_basic or token.") }).strict(),
  z.object({ type: z.literal("http_basic"), username: z.string().min(1).describe("The user ironic-compute logs in to Ironic as (HTTP basic)."), password: z.string().min(1).describe("Ironic's HTTP basic password (a secret: prefer IRONIC_COMPUTE_IRONIC_PASSWORD or a 0600 file).") }).strict(),
  z.object({ type: z.literal("token"), token: z.string().min(1).describe("A token sent as X-Auth-Token to Ironic (a secret).") }).strict(),
]);
export type IronicAuth = z.infer<typeof ironicAuthSchema>;

export const ironicTlsSchema = z
  .object({
    caFile: z.string().min(1).optional().describe("PEM file of the CA that signs Ironic's certificate (default: the system's CAs)."),
    certFile: z.string().min(1).optional().describe("PEM client certificate for mutual TLS with Ironic (with keyFile)."),
    keyFile: z.string().min(1).optional().describe("PEM private key of certFile (a secret file: keep it 0600)."),
    insecure: z.boolean().default(false).describe("Skip certificate verification. Explicit opt-in only; logs a warning."),
  })
  .strict()
  .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), {
    message: "certFile and keyFile go together",
  });

export const ironicClientConfigSchema = z
  .object({
    url: httpUrl,
    auth: ironicAuthSchema.default({ type: "none" }),
    tls: ironicTlsSchema.default({ insecure: false }),
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000).describe("Milliseconds one Ironic request may take before it is abandoned (and retried when safe)."),
    retry: z
      .object({
        attempts: z.number().int().min(1).max(100).default(DEFAULT_RETRY.attempts).describe("Tries of a retryable Ironic request (connection errors, 503, node locked), the first included."),
        baseDelayMs: z.number().int().min(0).max(60_000).default(DEFAULT_RETRY.baseDelayMs).describe("Delay before the first retry; doubled at each further one (with jitter)."),
        maxDelayMs: z.number().int().min(0).max(600_000).default(DEFAULT_RETRY.maxDelayMs).describe("Cap on one retry delay."),
      })
      .strict()
      .default(DEFAULT_RETRY),
    maxResponseBytes: z.number().int().min(1_024).max(1_073_741_824).default(64 * 1024 * 1024).describe("Largest response body accepted; anything larger is an invalid response."),
    pageSize: z.number().int().min(1).max(10_000).default(1_000).describe("Nodes per page when listing (Ironic's own cap is 1000 by default)."),
    maxListItems: z.number().int().min(1).max(10_000_000).default(100_000).describe("The most items (nodes, ports, volume targets \u2026) one listing may hold. Ironic's list answers carry no total, so this stands in for \"all the nodes there can be\" and bounds how many pages a listing may follow (see pagination.ts). 100 000 is far above the largest Ironic deployments (tens of thousands of nodes); a listing past it is a misbehaving server."),
    connections: z.number().int().min(1).max(1_024).default(32).describe("Concurrent connections to Ironic."),
  })
  .strict();

export type IronicClientConfig = z.output<typeof ironicClientConfigSchema>;

export interface IronicTlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  insecure: boolean;
}

export interface IronicClientOptions {
  url: string;
  auth: IronicAuth;
  tls: IronicTlsOptions;
  timeoutMs: number;
  retry: RetryPolicy;
  maxResponseBytes: number;
  pageSize: number;
  maxListItems: number;
  connections: number;
}

/** Fills defaults; `input` is the parsed-but-partial form tests and callers use. */
export function ironicClientOptions(
  input: z.input<typeof ironicClientConfigSchema>,
  tls: Partial<IronicTlsOptions> = {},
): IronicClientOptions {
  const config = ironicClientConfigSchema.parse(input);
  const read = (file: string | undefined): string | undefined =>
    file === undefined ? undefined : readFileSync(file, "utf8");
  return {
    url: config.url,
    auth: config.auth,
    tls: {
      ca: tls.ca ?? read(config.tls.caFile),
      cert: tls.cert ?? read(config.tls.certFile),
      key: tls.key ?? read(config.tls.keyFile),
      insecure: tls.insecure ?? config.tls.insecure,
    },
    timeoutMs: config.timeoutMs,
    retry: config.retry,
    maxResponseBytes: config.maxResponseBytes,
    pageSize: config.pageSize,
    maxListItems: config.maxListItems,
    connections: config.connections,
  };
}
