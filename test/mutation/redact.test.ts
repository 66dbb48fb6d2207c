// Pure checks of src/log/redact.ts (S8), written for the mutation run: each net
// (by key, inside driver_info, by value, errors, depth, cycles) on its own.
import { describe, expect, it } from "vitest";
import { isSensitiveKey, REDACTED, redactDeep, SecretRegistry } from "../../src/log/redact.js";

describe("redactDeep, by key", () => {
  it("masks header names only as whole names, other secrets anywhere in the key", () => {
    for (const key of ["authorization", "X-Auth-Token", "cookie", "set-cookie", "proxy-authorization", "password", "ipmi_passwd", "passphrase", "pass", "admin_pass", "adminPass", "client_secret", "user_data", "userdata", "vendor_data", "private_key", "privatekey", "vendordata", "apikey", "api_key", "credential", "configdrive", "config_drive", "token"]) {
      expect([key, isSensitiveKey(key)]).toEqual([key, true]);
    }
    for (const key of ["authorization_url", "my-authorization", "cookies_count", "passenger", "name", "host", "x-auth"]) {
      expect([key, isSensitiveKey(key)]).toEqual([key, false]);
    }
  });

  it("masks every credential-looking key inside driver_info, at any depth, and only there", () => {
    const out = redactDeep({ driver_info: { ipmi_address: "10.0.0.1", ipmi_username: "root", snmp_priv_key: "k1", snmp_community: "c1", nested: { redfish_auth_key: "k2" } }, snmp_community: "public" });
    expect(out).toEqual({ driver_info: { ipmi_address: "10.0.0.1", ipmi_username: "root", snmp_priv_key: REDACTED, snmp_community: REDACTED, nested: { redfish_auth_key: REDACTED } }, snmp_community: "public" });
    expect(REDACTED).toBe("[REDACTED]");
    expect(redactDeep({ properties: { snmp_community: "public", keyboard: "us" } })).toEqual({ properties: { snmp_community: "public", keyboard: "us" } });
  });

  it("walks arrays and leaves plain values alone without mutating the input", () => {
    const input = { list: [{ password: "p" }, 3, null, true], n: 1 };
    expect(redactDeep(input)).toEqual({ list: [{ password: REDACTED }, 3, null, true], n: 1 });
    expect(input.list[0]).toEqual({ password: "p" });
  });

  it("reports cycles and truncates past twelve levels", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic["self"] = cyclic;
    expect(redactDeep(cyclic)).toEqual({ a: 1, self: "[Circular]" });
    let deep: unknown = "leaf";
    for (let i = 0; i < 12; i += 1) deep = { d: deep };
    let walked = redactDeep(deep);
    for (let i = 0; i < 12; i += 1) walked = (walked as { d: unknown }).d;
    expect(walked).toBe("leaf");
    let deeper: unknown = { leaf: 1 };
    for (let i = 0; i < 12; i += 1) deeper = { d: deeper };
    let walkedDeeper = redactDeep(deeper);
    for (let i = 0; i < 12; i += 1) walkedDeeper = (walkedDeeper as { d: unknown }).d;
    expect(walkedDeeper).toBe("[Truncated]");
    let inArrays: unknown = { leaf: 1 };
    for (let i = 0; i < 12; i += 1) inArrays = [inArrays];
    let walkedArrays = redactDeep(inArrays);
    for (let i = 0; i < 12; i += 1) walkedArrays = (walkedArrays as unknown[])[0];
    expect(walkedArrays).toBe("[Truncated]");
  });

  it("turns an error into name, scrubbed message and stack, own fields and cause", () => {
    const registry = new SecretRegistry();
    registry.register("hunter22");
    const cause = new Error("inner hunter22");
    const error = Object.assign(new Error("outer hunter22", { cause }), { token: "t", code: 7 });
    const out = redactDeep(error, registry) as Record<string, unknown>;
    expect(out["type"]).toBe("Error");
    expect(out["message"]).toBe(`outer ${REDACTED}`);
    expect(out["stack"]).toContain(`outer ${REDACTED}`);
    expect(String(out["stack"])).not.toContain("hunter22");
    expect(out["token"]).toBe(REDACTED);
    expect(out["code"]).toBe(7);
    expect((out["cause"] as Record<string, unknown>)["message"]).toBe(`inner ${REDACTED}`);
    const bare = new Error("bare");
    bare.stack = undefined;
    expect(redactDeep(bare, registry)).toStrictEqual({ type: "Error", message: "bare" });
  });

  it("counts an error's own fields and its cause as one level deeper each", () => {
    // Twelve errors chained through an own field, then twelve through `cause`: the
    // thirteenth link (depth 12) is truncated, the twelfth is still written out.
    const chain = (link: (inner: unknown, i: number) => Error): unknown => {
      let inner: unknown = "leaf";
      for (let i = 0; i < 13; i += 1) inner = link(inner, i);
      return inner;
    };
    const byField = chain((inner, i) => Object.assign(new Error(`field ${i}`), { detail: inner }));
    const byCause = chain((inner, i) => new Error(`cause ${i}`, { cause: inner }));
    for (const [top, key, label] of [[byField, "detail", "field"], [byCause, "cause", "cause"]] as const) {
      let walked = redactDeep(top) as Record<string, unknown>;
      for (let i = 0; i < 11; i += 1) walked = walked[key] as Record<string, unknown>;
      expect(walked["message"]).toBe(`${label} 1`);
      expect(walked[key]).toBe("[Truncated]");
    }
  });

  it("an error inside driver_info is not treated as driver_info", () => {
    const error = Object.assign(new Error("e", { cause: { community: "c" } }), { detail: { community: "x" } });
    error.stack = undefined;
    expect(redactDeep({ driver_info: { err: error } })).toEqual({ driver_info: { err: { type: "Error", message: "e", detail: { community: "x" }, cause: { community: "c" } } } });
  });
});

describe("SecretRegistry, by value", () => {
  it("scrubs registered values of four characters or more, and nothing shorter", () => {
    const registry = new SecretRegistry();
    registry.register(undefined);
    registry.register("abc");
    registry.register("abcd");
    expect(registry.scrub("abc abcd abcdabcd")).toBe(`abc ${REDACTED} ${REDACTED}${REDACTED}`);
  });

  it("masks Basic and Bearer credentials in any string", () => {
    const registry = new SecretRegistry();
    expect(registry.scrub("Authorization: Basic dXNlcjpwYXNz")).toBe(`Authorization: Basic ${REDACTED}`);
    expect(registry.scrub("Bearer   abc.def-ghi")).toBe(`Bearer ${REDACTED}`);
    expect(registry.scrub("Bearer abc")).toBe("Bearer abc");
  });

  it("keeps the newest 2000 values, dropping the oldest first; re-registering refreshes", () => {
    const registry = new SecretRegistry();
    for (let i = 0; i < 2000; i += 1) registry.register(`secret-${i}`);
    expect(registry.scrub("secret-0")).toBe(REDACTED);
    registry.register("secret-0");
    registry.register("secret-new");
    expect(registry.scrub("secret-0")).toBe(REDACTED);
    expect(registry.scrub("secret-1 ")).toBe("secret-1 ");
    expect(registry.scrub("secret-new")).toBe(REDACTED);
  });
});
