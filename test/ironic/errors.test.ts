// Mapping of Ironic's answers to typed errors, and the parsing of its nested
// error_message. Pure functions: no Ironic needed.
import { describe, expect, it } from "vitest";
import { ironicErrorMessage } from "../../src/ironic/error-message.js";
import {
  AuthError,
  IronicBadRequestError,
  IronicConflictError,
  InstanceAssociatedError,
  NodeAssociatedError,
  NodeLockedError,
  IronicNotFoundError,
  ServerError,
  UnavailableError,
  VersionUnavailableError,
} from "../../src/ironic/errors.js";
import { statusError } from "../../src/ironic/http.js";

const nested = (faultstring: string) =>
  JSON.stringify({ error_message: JSON.stringify({ faultcode: "Client", faultstring, debuginfo: null }) });

describe("Ironic error messages", () => {
  it("unwraps the JSON string inside error_message", () => {
    expect(ironicErrorMessage(nested("Node abc is locked by host c1, please retry"))).toBe(
      "Node abc is locked by host c1, please retry",
    );
  });
  it("reads an error_message that is already an object, or a plain string", () => {
    expect(ironicErrorMessage(JSON.stringify({ error_message: { faultstring: "boom" } }))).toBe("boom");
    expect(ironicErrorMessage(JSON.stringify({ error_message: "plain" }))).toBe("plain");
  });
  it("keeps a non-JSON body as text but drops HTML pages", () => {
    expect(ironicErrorMessage("Service Unavailable")).toBe("Service Unavailable");
    expect(ironicErrorMessage("<html><body>502</body></html>")).toBe("");
  });
  it("strips control characters and bounds the length", () => {
    expect(ironicErrorMessage(nested("line1\nline2\u0007"))).toBe("line1 line2");
    expect(ironicErrorMessage(nested("x".repeat(5000))).length).toBeLessThanOrEqual(1001);
  });
});

describe("status → typed error", () => {
  const cases: Array<[string, number, string, new (...args: never[]) => Error]> = [
    ["400 bad request", 400, nested("Invalid state"), IronicBadRequestError],
    ["401 unauthorized", 401, "", AuthError],
    ["403 forbidden", 403, "", AuthError],
    ["404 not found", 404, nested("Node x could not be found."), IronicNotFoundError],
    ["406 version", 406, nested("Version 1.99 not supported"), VersionUnavailableError],
    ["409 locked", 409, nested("Node n1 is locked by host conductor-1, please retry after the current operation is completed."), NodeLockedError],
    ["409 associated", 409, nested("Node n1 is associated with instance i1."), NodeAssociatedError],
    ["409 instance already placed", 409, nested("Instance 9a6f is already associated with a node, it cannot be associated with this other node n2"), InstanceAssociatedError],
    ["409 other", 409, nested("A port with MAC address 52:54:00:00:00:01 already exists."), IronicConflictError],
    ["500", 500, nested("Internal"), ServerError],
    ["502", 502, "", UnavailableError],
    ["503", 503, "", UnavailableError],
    ["504", 504, "", UnavailableError],
  ];
  for (const [name, status, body, type] of cases) {
    it(name, () => {
      const error = statusError(status, body, "GET /v1/nodes/x");
      expect(error).toBeInstanceOf(type);
      expect(error.status).toBe(status);
      expect(error.request).toBe("GET /v1/nodes/x");
    });
  }
});
