// The HTTP core of the Ironic client: one connection pool, auth headers, TLS,
// a per-attempt timeout, a response size cap, the retry policy, microversion
// negotiation, and the mapping of every failure to a typed error. Resource
// modules (nodes.ts, ports.ts …) only describe requests and response schemas.

import { Pool, errors as undiciErrors, type Dispatcher } from "undici";
import type { z } from "zod";
import type { Logger } from "../log/logger.js";
import { silentLogger } from "../log/logger.js";
import { processSecrets } from "../log/redact.js";
import { inSpan, noopObserver, type ServiceObserver } from "../log/telemetry.js";
import type { IronicClientOptions } from "./config.js";
import { ironicErrorMessage } from "./error-message.js";
import {
  AuthError,
  IronicBadRequestError,
  IronicConflictError,
  InstanceAssociatedError,
  InvalidResponseError,
  IronicError,
  NodeAssociatedError,
  NodeLockedError,
  IronicNotFoundError,
  OutcomeUnknownError,
  ServerError,
  TimeoutError,
  TlsError,
  UnavailableError,
  VersionUnavailableError,
} from "./errors.js";
import {
  formatMicroversion,
  negotiate,
  rootDocumentSchema,
  supports,
  type Feature,
  type Microversion,
  type NegotiationResult,
} from "./microversion.js";
import { NO_RETRY, withRetry, type RetryPolicy } from "./retry.js";
import { ironicRoutePattern } from "./route-pattern.js";

export type QueryValue = string | number | boolean | undefined;

export interface IronicRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path under the endpoint, e.g. `/v1/nodes/<id>`; path parameters already encoded. */
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Statuses that mean success. */
  expect: readonly number[];
  /** `"none"` for the claim: a lost race must not be retried. */
  retry?: "default" | "none";
  /**
   * Whether sending the request twice has the effect of sending it once, so it
   * may be resent after a connection broke mid-request. Default: GET only.
   * Anything else is resent only when Ironic answered (409 locked, 503) or when
   * the request provably never left; otherwise it fails with OutcomeUnknownError.
   */
  idempotent?: boolean;
  /** This attempt's bound instead of the client's timeoutMs (the readiness probe's is short). */
  timeoutMs?: number;
}

/**
 * What a fenced client asks before each attempt: an AbortSignal does, and so
 * does anything that can also decide synchronously (a lease deadline checked
 * against the clock, whatever timers have or have not run).
 */
export interface RequestFence {
  readonly aborted: boolean;
  /** Throws the fence's reason once it fired. */
  throwIfAborted(): void;
  /**
   * The `req-<uuid>` of the work behind this view (the API request that started
   * the task): sent as X-OpenStack-Request-ID, Ironic's global request id, so
   * Ironic's own log lines for these calls carry it.
   */
  readonly requestId?: string | undefined;
}

export interface IronicResponse {
  status: number;
  text: string;
}

const TLS_ERROR_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
]);

// Ironic's texts for the two kinds of 409 a node answers (ironic/common/exception.py).
const LOCKED_TEXT = /is locked by host|please retry after the current operation/i;
const ASSOCIATED_TEXT = /is associated with instance|already has an allocation/i;
const INSTANCE_PLACED_TEXT = /instance \S+ is already associated with a node/i;

function errorField(error: unknown, field: "code" | "syscall"): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const value = (error as Record<string, unknown>)[field];
  return typeof value === "string" ? value : undefined;
}

function errorCode(error: unknown): string | undefined {
  return errorField(error, "code");
}

/**
 * Whether a transport failure proves the request never reached Ironic. undici
 * fails a request with the connector's error only while no connection exists
 * (a request queued on a connection that closes before writing it is moved to
 * the next connection, not failed), so an error from the TCP connect or the DNS
 * lookup — Node's `syscall: "connect"` / `"getaddrinfo"` (ECONNREFUSED,
 * EHOSTUNREACH, ENOTFOUND, EAI_AGAIN …) — or undici's ConnectTimeoutError means
 * not one byte was written. ECONNRESET, EPIPE, undici's SocketError ("other
 * side closed") carry no such proof: the request may have been read and acted on.
 */
export function provablyNotSent(error: unknown): boolean {
  if (error instanceof undiciErrors.ConnectTimeoutError) return true;
  const syscall = errorField(error, "syscall");
  return syscall === "connect" || syscall === "getaddrinfo";
}

/** Methods whose repetition is harmless by default (see IronicRequest.idempotent). */
function isIdempotent(request: IronicRequest): boolean {
  return request.idempotent ?? request.method === "GET";
}

export function encodePath(segment: string): string {
  return encodeURIComponent(segment);
}

export class IronicHttp {
  readonly options: IronicClientOptions;
  private readonly pool: Pool;
  private readonly base: URL;
  private readonly log: Logger;
  /** Metrics of every attempt and retry, a span per request (src/log/telemetry.ts). */
  private readonly observer: ServiceObserver;
  private readonly authHeaders: Record<string, string>;
  private negotiation: Promise<Microversion> | undefined;
  private negotiatedVersion: Microversion | undefined;
  /** Set on a fenced view: once it fires, no request of that view is sent. */
  private fence: RequestFence | undefined;

  constructor(options: IronicClientOptions, logger: Logger = silentLogger, observer: ServiceObserver = noopObserver) {
    this.options = options;
    this.log = logger;
    this.observer = observer;
    this.base = new URL(options.url);
    this.authHeaders = this.buildAuth();
    if (this.base.protocol === "https:" && options.tls.insecure) {
      this.log.warn(
        { ironic: this.base.origin },
        "TLS certificate verification of Ironic is DISABLED (tls.insecure=true); use a CA bundle instead",
      );
    }
    this.pool = new Pool(this.base.origin, {
      connections: options.connections,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: {
        rejectUnauthorized: !options.tls.insecure,
        ...(options.tls.ca === undefined ? {} : { ca: options.tls.ca }),
        ...(options.tls.cert === undefined ? {} : { cert: options.tls.cert }),
        ...(options.tls.key === undefined ? {} : { key: options.tls.key }),
      },
    });
  }

  private buildAuth(): Record<string, string> {
    const auth = this.options.auth;
    switch (auth.type) {
      case "none":
        return {};
      case "http_basic": {
        const encoded = Buffer.from(`${auth.username}:${auth.password}`).toString("base64");
        processSecrets.register(auth.password);
        processSecrets.register(encoded);
        return { authorization: `Basic ${encoded}` };
      }
      case "token":
        processSecrets.register(auth.token);
        return { "x-auth-token": auth.token };
    }
  }

  /**
   * A view of this client (same connections, same negotiated version) that sends
   * nothing once `signal` has fired: each attempt, retries included, first throws
   * the signal's reason. A task that lost its lease can so never drive a node
   * another worker now drives.
   */
  fenced(signal: RequestFence): IronicHttp {
    const view = Object.create(IronicHttp.prototype) as IronicHttp;
    Object.assign(view, this);
    view.fence = signal;
    // Negotiation is shared: the view asks the parent, which negotiates once.
    view.microversion = () => this.microversion();
    return view;
  }

  /** Whether this is a fenced view whose signal fired (it sends nothing more). */
  get fenceFired(): boolean {
    return this.fence?.aborted === true;
  }

  /** The microversion in use; negotiates on first call (single-flight). */
  async microversion(): Promise<Microversion> {
    this.negotiation ??= this.negotiate().catch((error: unknown) => {
      this.negotiation = undefined; // a failed negotiation is retried by the next call
      throw error;
    });
    return this.negotiation;
  }

  /** Whether the negotiated version has `feature`; negotiates if needed. */
  async supports(feature: Feature): Promise<boolean> {
    return supports(await this.microversion(), feature);
  }

  async requireFeature(feature: Feature, what: string): Promise<void> {
    const version = await this.microversion();
    if (!supports(version, feature)) {
      throw new VersionUnavailableError(
        `${what} needs a newer Ironic API than the negotiated ${formatMicroversion(version)}`,
      );
    }
  }

  /**
   * Asks Ironic's root document once, now (no retry, at most `timeoutMs`), and
   * whether its microversion range meets ours: the readiness check. Throws when
   * Ironic does not answer.
   */
  async probe(timeoutMs: number): Promise<NegotiationResult> {
    const response = await this.attempt({ method: "GET", path: "/", expect: [200], timeoutMs }, undefined);
    return negotiate(parseBody(rootDocumentSchema, response, "GET /"));
  }

  private async negotiate(): Promise<Microversion> {
    const response = await withRetry(this.options.retry, () =>
      this.attempt({ method: "GET", path: "/", expect: [200] }, undefined),
    );
    const root = parseBody(rootDocumentSchema, response, "GET /");
    const result = negotiate(root);
    if (!result.ok) throw new VersionUnavailableError(result.reason, { request: "GET /" });
    this.negotiatedVersion = result.version;
    this.log.debug({ microversion: formatMicroversion(result.version) }, "negotiated Ironic API version");
    return result.version;
  }

  /** Sends a request with the retry policy and returns the raw answer. */
  async send(request: IronicRequest): Promise<IronicResponse> {
    const version = await this.microversion();
    const policy: RetryPolicy = request.retry === "none" ? NO_RETRY : this.options.retry;
    const route = ironicRoutePattern(request.path);
    const attributes = { "http.request.method": request.method, "url.template": route, "server.address": this.base.hostname };
    // One span per request, retries included (each one an event on it).
    return inSpan(this.observer.tracer, `ironic ${request.method} ${route}`, attributes, async (span) => {
      const response = await withRetry(policy, () => this.attempt(request, version), {
        onRetry: (error, retry, delayMs) => {
          const reason = error instanceof IronicError ? error.kind : "unexpected";
          this.observer.ironicRetry({ method: request.method, route, reason });
          span.addEvent("retry", { retry: retry + 1, "retry.delay_ms": delayMs, "error.type": reason });
          this.log.warn(
            { request: `${request.method} ${request.path}`, retry: retry + 1, delayMs, reason: describe(error) },
            "Ironic request will be retried",
          );
        },
      });
      span.setAttribute("http.response.status_code", response.status);
      return response;
    });
  }

  /** Sends a request and validates the JSON answer against `schema`. */
  async json<S extends z.ZodType>(request: IronicRequest, schema: S): Promise<z.output<S>> {
    const response = await this.send(request);
    return parseBody(schema, response, `${request.method} ${request.path}`);
  }

  private url(request: IronicRequest): string {
    const basePath = this.base.pathname.replace(/\/+$/, "");
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) params.append(key, String(value));
    }
    const query = params.toString();
    return `${basePath}${request.path}${query === "" ? "" : `?${query}`}`;
  }

  private async attempt(request: IronicRequest, version: Microversion | undefined): Promise<IronicResponse> {
    this.fence?.throwIfAborted();
    const label = `${request.method} ${request.path}`;
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": "ironic-compute",
      ...this.authHeaders,
    };
    if (version !== undefined) headers["x-openstack-ironic-api-version"] = formatMicroversion(version);
    const requestId = this.fence?.requestId;
    if (requestId !== undefined) headers["x-openstack-request-id"] = requestId;
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers["content-type"] = "application/json";
    }
    const started = performance.now();
    const signal = AbortSignal.timeout(request.timeoutMs ?? this.options.timeoutMs);
    let status: number | undefined;
    let text: string;
    try {
      const response = await this.pool.request({
        method: request.method,
        path: this.url(request),
        headers,
        body,
        signal,
      });
      status = response.statusCode;
      text = await this.readBody(response.body, label);
    } catch (error) {
      throw this.transportError(error, label, signal, isIdempotent(request));
    } finally {
      this.observer.ironicRequest({
        method: request.method,
        route: ironicRoutePattern(request.path),
        status: status === undefined ? "error" : String(status),
        seconds: (performance.now() - started) / 1000,
      });
    }
    this.log.debug({ request: label, status, ms: Math.round(performance.now() - started) }, "ironic request");
    if (request.expect.includes(status)) return { status, text };
    // A gateway's 502/504 says nothing about whether Ironic behind it acted (a
    // 503 is Ironic, or its front, refusing: that one is safe to resend).
    if ((status === 502 || status === 504) && !isIdempotent(request)) {
      throw new OutcomeUnknownError(`a gateway answered ${status}; whether Ironic acted is unknown`, { request: label, status });
    }
    throw statusError(status, text, label);
  }

  private async readBody(body: Dispatcher.ResponseData["body"], label: string): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > this.options.maxResponseBytes) {
        body.destroy();
        throw new InvalidResponseError(
          `response larger than the ${this.options.maxResponseBytes}-byte limit`,
          { request: label },
        );
      }
      chunks.push(buffer);
    }
    return Buffer.concat(chunks, size).toString("utf8");
  }

  private transportError(error: unknown, label: string, signal: AbortSignal, idempotent: boolean): IronicError {
    if (error instanceof IronicError) return error;
    const code = errorCode(error);
    if (
      signal.aborted ||
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError
    ) {
      return new TimeoutError(`no complete answer within ${this.options.timeoutMs} ms`, { request: label, cause: error });
    }
    if (code !== undefined && TLS_ERROR_CODES.has(code)) {
      return new TlsError(`TLS verification of Ironic failed (${code})`, { request: label, cause: error });
    }
    const reason = code ?? (error instanceof Error ? error.message : "unknown transport failure");
    if (!idempotent && !provablyNotSent(error)) {
      return new OutcomeUnknownError(`connection to Ironic broke (${reason}); whether Ironic acted is unknown`, {
        request: label,
        cause: error,
      });
    }
    return new UnavailableError(`cannot reach Ironic (${reason})`, { request: label, cause: error });
  }

  /** The version negotiated so far, without negotiating. */
  get negotiated(): Microversion | undefined {
    return this.negotiatedVersion;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function describe(error: unknown): string {
  return error instanceof IronicError ? `${error.kind}: ${error.message}` : String(error);
}

/** Maps a non-success HTTP status to its typed error, with Ironic's own message. */
export function statusError(status: number, text: string, label: string): IronicError {
  const message = ironicErrorMessage(text) || `HTTP ${status}`;
  const details = { request: label, status };
  if (status === 400) return new IronicBadRequestError(message, details);
  if (status === 401 || status === 403) return new AuthError(message, details);
  if (status === 404) return new IronicNotFoundError(message, details);
  if (status === 406) return new VersionUnavailableError(message, details);
  if (status === 409) {
    if (LOCKED_TEXT.test(message)) return new NodeLockedError(message, details);
    if (ASSOCIATED_TEXT.test(message)) return new NodeAssociatedError(message, details);
    if (INSTANCE_PLACED_TEXT.test(message)) return new InstanceAssociatedError(message, details);
    return new IronicConflictError(message, details);
  }
  if (status === 502 || status === 503 || status === 504) return new UnavailableError(message, details);
  return new ServerError(message, details);
}

function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new InvalidResponseError(`answer is not JSON (${error.message})`, { request: label });
    }
    throw error;
  }
}

/** Validates an answer; any mismatch is an InvalidResponseError naming the first problem. */
export function parseBody<S extends z.ZodType>(schema: S, response: IronicResponse, label: string): z.output<S> {
  const result = schema.safeParse(parseJson(response.text, label));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue === undefined ? "" : ` at '${issue.path.join(".")}': ${issue.message}`;
  throw new InvalidResponseError(`answer does not match the expected shape${where}`, {
    request: label,
    status: response.status,
  });
}
