// The CLI's HTTP client for the ironic-compute API (undici). Every response body
// it uses is checked against a schema before use (S7); error bodies in Nova's
// shape become ApiError with the server's message.
import { request } from "undici";
import { z } from "zod";
import { ApiError, CliError } from "./errors.js";

/** The microversion the CLI speaks (flavor as original_name, keypairs 201…). */
export const CLI_MICROVERSION = "2.95";

export interface ClientSettings {
  url: string;
  username?: string;
  password?: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

const faultSchema = z.record(z.string(), z.looseObject({ message: z.string() }));

function errorMessage(status: number, body: unknown): string {
  const fault = faultSchema.safeParse(body);
  if (fault.success) {
    const first = Object.values(fault.data)[0];
    if (first !== undefined) return first.message;
  }
  return status === 401 ? "authentication failed: check the user name and password" : "the request failed";
}

export class ApiClient {
  private readonly base: string;
  private readonly authorization: string | undefined;

  constructor(settings: ClientSettings) {
    this.base = settings.url.replace(/\/+$/, "");
    this.authorization =
      settings.username === undefined || settings.password === undefined
        ? undefined
        : `Basic ${Buffer.from(`${settings.username}:${settings.password}`).toString("base64")}`;
  }

  /** Any status; throws only when the API cannot be reached. */
  async call(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<ApiResponse> {
    const headers: Record<string, string> = {
      accept: "application/json",
      "openstack-api-version": `compute ${CLI_MICROVERSION}`,
      "x-openstack-nova-api-version": CLI_MICROVERSION,
      ...(this.authorization === undefined ? {} : { authorization: this.authorization }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    };
    let response;
    try {
      response = await request(`${this.base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
    } catch (error) {
      const code = error instanceof Error && "code" in error ? String(error.code) : error instanceof Error ? error.message : "unknown error";
      throw new CliError(`cannot reach the API at ${this.base}: ${code}`);
    }
    const text = await response.body.text();
    let parsed: unknown = undefined;
    if (text !== "") {
      try {
        parsed = JSON.parse(text) as unknown;
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        parsed = text;
      }
    }
    return { status: response.statusCode, body: parsed };
  }

  /** A 2xx answer checked against `schema`; ApiError otherwise. */
  async json<T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const response = await this.call(method, path, body);
    if (response.status < 200 || response.status >= 300) throw new ApiError(errorMessage(response.status, response.body), response.status);
    const result = schema.safeParse(response.body);
    if (!result.success) throw new CliError(`unexpected answer from ${method} ${path}: ${result.error.issues[0]?.message ?? "invalid"}`);
    return result.data;
  }

  async get<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    return this.json("GET", path, schema);
  }

  /** A request whose body, if any, is not needed. */
  async send(method: "POST" | "DELETE", path: string, body?: unknown): Promise<void> {
    const response = await this.call(method, path, body);
    if (response.status < 200 || response.status >= 300) throw new ApiError(errorMessage(response.status, response.body), response.status);
  }
}

export function segment(value: string): string {
  return encodeURIComponent(value);
}
