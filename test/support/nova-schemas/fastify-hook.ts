// The same check for tests that call the API in process (app.inject over a
// fake compute): an onSend hook checks each compute answer, and an afterEach
// fails the test that received one outside Nova's schema.
import type { FastifyInstance } from "fastify";
import { afterEach, expect } from "vitest";
import { checkAnswer, type Exchange } from "./checker.js";

function headerRecord(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).flatMap(([key, value]) => (typeof value === "string" ? [[key, value]] : Array.isArray(value) ? [[key, value.join(",")]] : [])));
}

/** What the hooks of this test file found since the last test ended. */
const violations: string[] = [];
let failing = false;

/**
 * Fails each test that received an answer outside Nova's schema. Call at the
 * top level of the file (checkNovaAnswers does it for the first app).
 */
export function failOnNovaViolations(): void {
  if (failing) return;
  failing = true;
  afterEach(() => {
    const found = violations.splice(0);
    expect(found, "answers outside Nova's schema (test/support/nova-schemas; deliberate differences go in known-differences.ts)").toEqual([]);
  });
}

/**
 * Checks every compute answer of `app`. Call before the app is ready (before
 * the first inject); an app built inside a test needs failOnNovaViolations()
 * at the file's top level.
 */
export function checkNovaAnswers(app: FastifyInstance): void {
  if (!failing) failOnNovaViolations();
  app.addHook("onSend", async (request, reply, payload) => {
    // Streams and buffers are not JSON documents (metrics, files): only text is checked.
    if (payload !== null && payload !== undefined && typeof payload !== "string") return payload;
    const exchange: Exchange = {
      method: request.method,
      path: request.url,
      requestHeaders: headerRecord(request.headers),
      requestBody: request.body,
      status: reply.statusCode,
      responseHeaders: headerRecord(reply.getHeaders()),
      text: payload ?? "",
    };
    const verdict = checkAnswer(exchange);
    if (verdict.kind === "violation") {
      violations.push(`${verdict.route} at 2.${verdict.microversion} answered ${exchange.status}: ${verdict.issues.join("; ")}\n  body: ${exchange.text.slice(0, 500)}`);
    }
    return payload;
  });
}
