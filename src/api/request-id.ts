// The request id of an API call. A client may send its own X-OpenStack-Request-ID
// (oslo.middleware's request_id accepts one as the global request id when it
// has the `req-<uuid>` shape and ignores anything else); we adopt a valid one as
// the request's id, so the client's id is what the answer echoes and what the
// server's instance actions record. Anything else — absent, repeated, another
// shape — is ignored and a fresh `req-<uuid>` generated: an unchecked header
// must never reach logs or the store.
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers["x-openstack-request-id"];
  if (typeof given === "string") {
    const candidate = given.trim().toLowerCase();
    if (REQUEST_ID.test(candidate)) return candidate;
  }
  return `req-${randomUUID()}`;
}
