// A hand-made stand-in for the few parts of a Fastify request and reply that
// onRequest hooks touch (headers, route config, ip, log; header/code/type/send),
// so a hook can be called as a plain function: no server, no inject, and a
// mutation run pays microseconds per call. Everything the hook answers is kept
// in `answer` for the test to read.
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import type { RouteAccess } from "../../src/api/request-context.js";

export interface StubAnswer {
  status: number | undefined;
  contentType: string | undefined;
  headers: Record<string, string>;
  body: unknown;
}

export interface StubExchangeOptions {
  url?: string;
  access?: RouteAccess;
  unscopedTokens?: boolean;
  headers?: Record<string, string | string[] | undefined>;
  ip?: string;
  id?: string;
  log: FastifyBaseLogger;
  linkBase?: string;
  protocol?: "http" | "https";
  host?: string;
}

export interface StubExchange {
  request: FastifyRequest;
  reply: FastifyReply;
  answer: StubAnswer;
}

export function stubExchange(options: StubExchangeOptions): StubExchange {
  const answer: StubAnswer = { status: undefined, contentType: undefined, headers: {}, body: undefined };
  const config: { access?: RouteAccess; unscopedTokens?: boolean } = {};
  if (options.access !== undefined) config.access = options.access;
  if (options.unscopedTokens !== undefined) config.unscopedTokens = options.unscopedTokens;
  const request = {
    url: options.url ?? "/v2.1/servers",
    routeOptions: { config },
    headers: options.headers ?? {},
    ip: options.ip ?? "192.0.2.1",
    id: options.id ?? "req-stub",
    log: options.log,
    linkBase: options.linkBase ?? "",
    protocol: options.protocol ?? "http",
    host: options.host ?? "compute.test:8774",
    caller: null,
  };
  const reply = {
    request,
    header(name: string, value: string) {
      answer.headers[name] = value;
      return reply;
    },
    code(status: number) {
      answer.status = status;
      return reply;
    },
    type(contentType: string) {
      answer.contentType = contentType;
      return reply;
    },
    send(body: unknown) {
      answer.body = body;
      return reply;
    },
  };
  // The stubs carry only what hooks use; the casts are confined to this file.
  return { request: request as unknown as FastifyRequest, reply: reply as unknown as FastifyReply, answer };
}
