// The serial console address Ironic hands out (S4).
//
// Ironic's socat console reports `{"type": "socat", "url": "tcp://HOST:PORT"}`
// and the address is passed on to whoever proxies the console, so it is parsed
// here by hand against that one exact shape rather than with a general URL
// parser (which accepts userinfo, paths, odd hosts and normalizes silently).
// Anything else is refused with ConsoleUnavailableError.

import { isIPv4, isIPv6 } from "node:net";
import { ConsoleUnavailableError } from "./errors.js";

export interface SerialConsoleAddress {
  /** IPv4 literal, IPv6 literal without brackets, or a DNS name (lower-cased). */
  host: string;
  port: number;
}

/** Bound on the URL we even look at: `tcp://` + 253-char name + `:65535`. */
const MAX_URL_LENGTH = 6 + 255 + 6;

/**
 * Decisions beyond "tcp://HOST:PORT":
 * - the scheme is matched case-insensitively (RFC 3986 says schemes are);
 * - a trailing "/" is refused: Ironic never sends one, and it is a path;
 * - the port has no sign and no leading zero;
 * - IPv6 zone ids ("%25eth0") are refused, a zone only means something on the
 *   conductor's own host;
 * - a DNS name whose last label is all digits must be a valid IPv4 address, so
 *   "256.1.1.1" or "1.2.3" is not taken as a name.
 */
export function parseSerialConsole(
  info: { type?: string; url?: string } | null,
  ids: { node: string; instance?: string },
): SerialConsoleAddress {
  const refuse = (message: string): ConsoleUnavailableError => new ConsoleUnavailableError(message, ids);
  if (info === null) throw refuse("Ironic reports no console information (is the console enabled?)");
  if (info.type !== "socat") {
    throw refuse(`console type ${show(info.type)} is not supported; only "socat" serial consoles are`);
  }
  const url = info.url;
  if (url === undefined) throw refuse("the socat console has no URL");

  const bad = (why: string): ConsoleUnavailableError => refuse(`console URL ${show(url)} refused: ${why}`);
  if (url.length > MAX_URL_LENGTH) throw bad("too long");
  // Rejects whitespace, control characters and any non-ASCII in one go.
  if (!/^[\x21-\x7e]+$/.test(url)) throw bad("it contains whitespace, control or non-ASCII characters");

  const schemeEnd = url.indexOf("://");
  if (schemeEnd < 0) throw bad("expected tcp://HOST:PORT");
  if (url.slice(0, schemeEnd).toLowerCase() !== "tcp") throw bad("the scheme must be tcp");
  const authority = url.slice(schemeEnd + 3);
  if (authority.includes("@")) throw bad("user information is not allowed");
  if (authority.includes("?")) throw bad("a query is not allowed");
  if (authority.includes("#")) throw bad("a fragment is not allowed");
  if (authority.includes("/")) throw bad("a path is not allowed");

  // An IPv6 host keeps its own ':' inside [ ]; otherwise the port follows the only ':'.
  const close = authority.startsWith("[") ? authority.indexOf("]") : -1;
  const colon = close >= 0 ? close + 1 : authority.lastIndexOf(":");
  if (colon < 0 || authority[colon] !== ":") throw bad("a port is required");
  const rawHost = authority.slice(0, colon);
  const rawPort = authority.slice(colon + 1);

  if (!/^[1-9][0-9]{0,4}$/.test(rawPort)) throw bad("the port must be a decimal number from 1 to 65535");
  const port = Number(rawPort);
  if (port > 65535) throw bad("the port must be a decimal number from 1 to 65535");

  const host = parseHost(rawHost);
  if (host === null) throw bad("the host must be an IPv4 address, a bracketed IPv6 address or a DNS name");
  return { host, port };
}

/** The host without brackets, lower-cased; null when not one of the three forms. */
function parseHost(raw: string): string | null {
  if (raw.startsWith("[") && raw.endsWith("]")) {
    const inner = raw.slice(1, -1);
    // Hex digits, ':' and '.' (IPv4-mapped tail) only: no zone id.
    if (!/^[0-9A-Fa-f:.]+$/.test(inner) || !isIPv6(inner)) return null;
    return inner.toLowerCase();
  }
  if (isIPv4(raw)) return raw;
  if (raw.length === 0 || raw.length > 253) return null;
  const labels = raw.split(".");
  // RFC 1123 labels: 1-63 letters, digits, hyphens; no hyphen at either end.
  const labelOk = (label: string): boolean => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label);
  if (!labels.every(labelOk)) return null;
  // An all-numeric last label means someone meant an IPv4 address, and it was not one.
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? "")) return null;
  return raw.toLowerCase();
}

/** Ironic's text in an error: at most ~100 characters, quoted and escaped. */
function show(text: string | undefined): string {
  if (text === undefined) return "(none)";
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);
}
