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
  z.object({ type: z.literal("none") }).strict(),
  z.object({ type: z.literal("http_basic"), username: z.string().min(1), password: z.string().min(1) }).strict(),
  z.object({ type: z.literal("token"), token: z.string().min(1) }).strict(),
]);
export type IronicAuth = z.infer<typeof ironicAuthSchema>;

export const ironicTlsSchema = z
  .object({
    caFile: z.string().min(1).optional(),
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    /** Skip certificate verification. Explicit opt-in only; logs a warning. */
    insecure: z.boolean().default(false),
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
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    retry: z
      .object({
        attempts: z.number().int().min(1).max(100).default(DEFAULT_RETRY.attempts),
        baseDelayMs: z.number().int().min(0).max(60_000).default(DEFAULT_RETRY.baseDelayMs),
        maxDelayMs: z.number().int().min(0).max(600_000).default(DEFAULT_RETRY.maxDelayMs),
      })
      .strict()
      .default(DEFAULT_RETRY),
    /** Largest response body accepted; anything larger is an invalid response. */
    maxResponseBytes: z.number().int().min(1_024).max(1_073_741_824).default(64 * 1024 * 1024),
    /** Nodes per page when listing (Ironic's own cap is 1000 by default). */
    pageSize: z.number().int().min(1).max(10_000).default(1_000),
    /**
     * The most items (nodes, ports, volume targets …) one listing may hold.
     * Ironic's list answers carry no total, so this stands in for "all the
     * nodes there can be" and bounds how many pages a listing may follow (see
     * pagination.ts). 100 000 is far above the largest Ironic deployments
     * (tens of thousands of nodes); a listing past it is a misbehaving server.
     */
    maxListItems: z.number().int().min(1).max(10_000_000).default(100_000),
    /** Concurrent connections to Ironic. */
    connections: z.number().int().min(1).max(1_024).default(32),
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
