// Checks an answer of the compute API against Nova's schema for it: finds the
// route pattern of the request's path, the microversion the answer was given
// at and the server action, picks the rule of table.ts, validates the status
// and the body, and drops the issues allowlisted in known-differences.ts.
// Module state records what was seen, for test/api/nova-schemas.test.ts.
import { appendFileSync } from "node:fs";
import type { z } from "zod";
import { errorAnswer } from "./errors.js";
import { differenceMatching, type KnownDifference } from "./known-differences.js";
import { ANSWER_RULES, OWN_COMPUTE_ROUTES, type AnswerRule } from "./table.js";

export interface Exchange {
  method: string;
  /** Path and query as sent. */
  path: string;
  requestHeaders: Readonly<Record<string, string>>;
  requestBody: unknown;
  status: number;
  responseHeaders: Readonly<Record<string, string | string[] | undefined>>;
  text: string;
}

export type Verdict =
  | { kind: "outside" }
  | { kind: "own"; route: string }
  | { kind: "unschemed"; route: string }
  | { kind: "valid"; route: string; microversion: number }
  | { kind: "violation"; route: string; microversion: number; issues: string[] };

const PATTERNS = [...new Set([...ANSWER_RULES.map((rule) => `${rule.method} ${rule.route}`), ...Object.keys(OWN_COMPUTE_ROUTES)])];

/** Answers of the compute API (and Nova's version documents) are checked; the other APIs are not Nova's. */
export function isComputePath(path: string): boolean {
  return path === "/" || path === "/v2" || path.startsWith("/v2/") || path === "/v2.1" || path.startsWith("/v2.1/");
}

function segmentsMatch(pattern: string[], path: string[]): boolean {
  if (pattern.length !== path.length) return false;
  return pattern.every((segment, index) => (segment.startsWith(":") ? (path[index] ?? "") !== "" : segment === path[index]));
}

/** The most specific pattern (fewest parameters) that matches, as Fastify routes static segments first. */
export function routeOf(method: string, path: string): string | undefined {
  const segments = path.split("?")[0]?.split("/") ?? [];
  const candidates = PATTERNS.filter((key) => key.startsWith(`${method} `))
    .map((key) => ({ key, segments: key.slice(method.length + 1).split("/") }))
    .filter((candidate) => segmentsMatch(candidate.segments, segments))
    .sort((a, b) => a.segments.filter((s) => s.startsWith(":")).length - b.segments.filter((s) => s.startsWith(":")).length);
  return candidates[0]?.key;
}

function headerValue(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  const value = found?.[1];
  return Array.isArray(value) ? value.join(",") : value;
}

/**
 * The image routes Nova's proxy shares with the Glance-format ones (image-routes.ts,
 * nova-image-proxy.ts): a request naming no compute microversion is a Glance
 * client given the compute URL (openstacksdk), answered in Glance's format.
 */
const GLANCE_WHEN_UNVERSIONED: ReadonlySet<string> = new Set(["GET /v2.1/images", "GET /v2.1/images/:id", "DELETE /v2.1/images/:id"]);

function asksComputeVersion(exchange: Exchange): boolean {
  return /compute/i.test(headerValue(exchange.requestHeaders, "openstack-api-version") ?? "") || headerValue(exchange.requestHeaders, "x-openstack-nova-api-version") !== undefined;
}

/** The answer's microversion: its echo header, else the one asked for, else 2.1. */
export function microversionOf(exchange: Exchange): number {
  const echoed = /compute 2\.(\d+)/i.exec(headerValue(exchange.responseHeaders, "openstack-api-version") ?? "");
  if (echoed !== null) return Number(echoed[1]);
  const asked = /compute\s+2\.(\d+)/i.exec(headerValue(exchange.requestHeaders, "openstack-api-version") ?? "")
    ?? /^\s*2\.(\d+)/.exec(headerValue(exchange.requestHeaders, "x-openstack-nova-api-version") ?? "");
  return asked === null ? 1 : Number(asked[1]);
}

function actionOf(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  return Object.keys(body)[0];
}

function inRange(rule: AnswerRule, microversion: number): boolean {
  return microversion >= (rule.from ?? 1) && microversion <= (rule.to ?? Number.MAX_SAFE_INTEGER);
}

/** zod's issues as "path: what", one per unexpected key, array indices as []. */
export function describeIssues(error: z.ZodError): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map((part) => (typeof part === "number" ? "[]" : String(part))).join(".").replace(/\.\[\]/g, "[]");
    const at = path === "" ? "(body)" : path;
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) lines.push(`${path === "" ? "" : `${path}.`}${key}: unexpected field`);
    } else if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) {
      lines.push(`${at}: missing`);
    } else {
      lines.push(`${at}: ${issue.message}`);
    }
  }
  return [...new Set(lines)];
}

function parseBody(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text === "") return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** What the checks saw in this test file. */
export const seen = {
  valid: new Set<string>(),
  unschemed: new Set<string>(),
  usedDifferences: new Set<KnownDifference>(),
};

function issuesOf(exchange: Exchange, rules: AnswerRule[], microversion: number, body: unknown): string[] | "unschemed" {
  if (exchange.status >= 400) {
    const result = errorAnswer(exchange.status).safeParse(body);
    return result.success ? [] : describeIssues(result.error);
  }
  if (rules.length === 0) return "unschemed";
  const inVersion = rules.filter((rule) => inRange(rule, microversion));
  if (inVersion.length === 0) {
    const ranges = rules.map((rule) => `2.${rule.from ?? 1}–${rule.to === undefined ? "latest" : `2.${rule.to}`}`).join(", ");
    return [`status: ${exchange.status} at 2.${microversion}, where Nova has this route only at ${ranges}`];
  }
  const rule = inVersion.find((candidate) => candidate.status.includes(exchange.status));
  if (rule === undefined) {
    return [`status: ${exchange.status} where Nova answers ${[...new Set(inVersion.flatMap((candidate) => candidate.status))].join(" or ")}`];
  }
  const result = rule.schema(microversion, body).safeParse(body);
  return result.success ? [] : describeIssues(result.error);
}

export function checkAnswer(exchange: Exchange): Verdict {
  const method = exchange.method.toUpperCase();
  const path = exchange.path.split("?")[0] ?? "";
  if (method === "HEAD" || !isComputePath(path)) return { kind: "outside" };
  const pattern = routeOf(method, path);
  const ownRoute = pattern !== undefined && (pattern in OWN_COMPUTE_ROUTES || (GLANCE_WHEN_UNVERSIONED.has(pattern) && !asksComputeVersion(exchange)));
  if (ownRoute && exchange.status < 400) return { kind: "own", route: pattern };
  const action = pattern === "POST /v2.1/servers/:id/action" ? actionOf(exchange.requestBody) : undefined;
  const route = `${pattern ?? `${method} ${path}`}${action === undefined ? "" : `#${action}`}`;
  const microversion = microversionOf(exchange);
  const parsed = parseBody(exchange.text);
  const rules = ANSWER_RULES.filter((rule) => `${rule.method} ${rule.route}` === pattern && rule.action === action);
  const found = parsed.ok ? issuesOf(exchange, rules, microversion, parsed.value) : ["(body): not JSON"];
  if (found === "unschemed") {
    seen.unschemed.add(route);
    return { kind: "unschemed", route };
  }
  const remaining = found.filter((issue) => {
    const difference = differenceMatching(route, microversion, exchange.status, issue);
    if (difference !== undefined) seen.usedDifferences.add(difference);
    return difference === undefined;
  });
  if (remaining.length > 0) return { kind: "violation", route, microversion, issues: remaining };
  if (exchange.status < 400) seen.valid.add(route);
  return { kind: "valid", route, microversion };
}

export class NovaSchemaViolation extends Error {
  constructor(verdict: Extract<Verdict, { kind: "violation" }>, exchange: Exchange) {
    super(
      `${verdict.route} at 2.${verdict.microversion} answered ${exchange.status} outside Nova's schema ` +
        `(test/support/nova-schemas; a deliberate difference goes in known-differences.ts):\n  ${verdict.issues.join("\n  ")}\n` +
        `body: ${exchange.text.slice(0, 2000)}`,
    );
    this.name = "NovaSchemaViolation";
  }
}

/**
 * Throws NovaSchemaViolation when the answer is outside Nova's schema. With
 * NOVA_SCHEMAS_REPORT=<file> it appends the violation to that file (one JSON
 * line) instead, to survey a whole test file at once.
 */
export function assertNovaAnswer(exchange: Exchange): void {
  const verdict = checkAnswer(exchange);
  if (verdict.kind !== "violation") return;
  const report = process.env["NOVA_SCHEMAS_REPORT"];
  if (report === undefined || report === "") throw new NovaSchemaViolation(verdict, exchange);
  appendFileSync(report, `${JSON.stringify({ ...verdict, status: exchange.status })}\n`);
}
