// The Host allow-list (DNS-rebinding protection). When a request needs no
// credentials (auth "none", or public /metrics), any web page the operator's
// browser opens could reach the API by giving its own name an A record of
// 127.0.0.1: the browser then sends `Host: evil.example`. Requests whose Host
// is not one this service answers to get 421 before anything else runs.
//
// Allowed: the listen address, localhost, 127.0.0.1 and [::1], each with the
// listener's port (with any port while not listening, i.e. under inject());
// publicUrl's host and port; and api.allowedHosts — "name" (any port) or
// "name:port". Names compare case-insensitively; a Host without a port means
// the scheme's default port.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AddressInfo } from "node:net";
import { sendFault } from "./errors.js";

export interface HostCheckOptions {
  /** The configured listen host, when known. */
  listenHost?: string;
  publicUrl?: string;
  allowedHosts?: readonly string[];
  /** The bound address, once listening. */
  address: () => AddressInfo | string | null;
}

/** `name` or `name:port`, `[v6]` or `[v6]:port`: the shape an allowedHosts entry must have. */
export const HOST_ENTRY = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(?::\d{1,5})?$/;

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

function bracketed(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** Splits a Host value into a lower-case name and a port; undefined when malformed. */
export function parseHost(value: string, defaultPort: number): { name: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value.trim().toLowerCase());
  if (match?.[1] === undefined) return undefined;
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  return port > 65_535 ? undefined : { name: match[1], port };
}

class AllowList {
  private readonly anyPort = new Set<string>();
  private readonly pairs = new Set<string>();

  constructor(options: HostCheckOptions, boundPort: number | undefined) {
    const names = [...LOOPBACK_NAMES, ...(options.listenHost === undefined ? [] : [bracketed(options.listenHost).toLowerCase()])];
    for (const name of names) {
      if (boundPort === undefined) this.anyPort.add(name);
      else this.pairs.add(`${name}:${boundPort}`);
    }
    if (options.publicUrl !== undefined) {
      const url = new URL(options.publicUrl);
      const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
      this.pairs.add(`${url.hostname.toLowerCase()}:${port}`);
    }
    for (const entry of options.allowedHosts ?? []) {
      const parsed = parseHost(entry, -1);
      if (parsed === undefined) continue;
      if (parsed.port === -1) this.anyPort.add(parsed.name);
      else this.pairs.add(`${parsed.name}:${parsed.port}`);
    }
  }

  allows(host: { name: string; port: number }): boolean {
    return this.anyPort.has(host.name) || this.pairs.has(`${host.name}:${host.port}`);
  }

  describe(): string {
    return [...this.pairs, ...[...this.anyPort].map((name) => `${name}:*`)].join(", ");
  }
}

/** A Host value fit to quote in an error: printable, bounded. */
function quoted(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, "?");
  return printable.length > 64 ? `${printable.slice(0, 64)}…` : printable;
}

export function hostCheckHook(options: HostCheckOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  let cached: { port: number | undefined; list: AllowList } | undefined;
  const allowList = (): AllowList => {
    const address = options.address();
    const port = address !== null && typeof address === "object" ? address.port : undefined;
    if (cached === undefined || cached.port !== port) cached = { port, list: new AllowList(options, port) };
    return cached.list;
  };
  return async (request, reply) => {
    const raw = request.headers.host ?? "";
    const host = parseHost(raw, request.protocol === "https" ? 443 : 80);
    const list = allowList();
    if (host !== undefined && list.allows(host)) return undefined;
    return sendFault(
      reply,
      421,
      `This service does not answer to Host '${quoted(raw)}' (DNS-rebinding protection: requests here need no credentials). ` +
        `Allowed: ${list.describe()}. Add the name to api.allowedHosts, or set api.publicUrl.`,
    );
  };
}
