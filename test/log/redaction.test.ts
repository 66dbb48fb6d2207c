// S8: planted secrets never reach a log line, whether they sit under a secret
// key, deep inside driver_info, inside an error message, or in the message text.
import { describe, expect, it } from "vitest";
import { processSecrets, REDACTED, redactDeep, SecretRegistry } from "../../src/log/redact.js";
import { captureLog } from "../support/log-capture.js";

const SECRETS = {
  password: "pl4nted-Password-1",
  token: "pl4nted-token-abcdef",
  configdrive: "H4sIAAAAAAAAA-planted-configdrive",
  userData: "#!/bin/sh\necho planted-user-data",
  ipmi: "pl4nted-ipmi-secret",
  snmp: "pl4nted-snmp-key",
  privateKey: "-----BEGIN OPENSSH PRIVATE KEY----- planted",
  rescue: "pl4nted-rescue-pw",
};

describe("log redaction", () => {
  it("removes secrets by key at any depth, including driver_info credentials", () => {
    const capture = captureLog();
    capture.logger.info(
      {
        node: "n1",
        request: {
          headers: { Authorization: "Basic dXNlcjpwbDRudGVk", "X-Auth-Token": SECRETS.token },
          body: {
            target: "active",
            configdrive: { meta_data: { uuid: "u" }, user_data: SECRETS.userData },
            rescue_password: SECRETS.rescue,
          },
        },
        node_record: { driver_info: { ipmi_address: "10.0.0.1", ipmi_password: SECRETS.ipmi, snmp_priv_key: SECRETS.snmp } },
        keypair: { name: "k", private_key: SECRETS.privateKey },
        list: [{ password: SECRETS.password }],
      },
      "request sent",
    );
    const text = capture.text();
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(text).not.toContain("dXNlcjpwbDRudGVk");
    expect(text).toContain("10.0.0.1"); // non-secret driver_info survives
    expect(text).toContain(REDACTED);
  });

  it("scrubs registered secret values from messages, errors and causes", () => {
    const capture = captureLog();
    processSecrets.register(SECRETS.password);
    const cause = new Error(`upstream said: bad password ${SECRETS.password}`);
    capture.logger.error({ err: new Error(`login failed for ${SECRETS.password}`, { cause }) }, `retrying with ${SECRETS.password}`);
    capture.logger.warn(`header was Basic dXNlcjpwbDRudGVkLXBhc3M=`);
    const text = capture.text();
    expect(text).not.toContain(SECRETS.password);
    expect(text).not.toContain("dXNlcjpwbDRudGVkLXBhc3M=");
    expect(text).toContain("login failed for");
  });

  it("scrubs secrets from child logger bindings", () => {
    const capture = captureLog();
    const registry = new SecretRegistry();
    registry.register("child-secret-value");
    const child = capture.logger.child({ token: "binding-token-value", node: "n2" });
    child.info("hello");
    expect(capture.text()).not.toContain("binding-token-value");
    expect(capture.text()).toContain("n2");
  });

  it("never mutates the object it redacts and survives cycles", () => {
    const input: Record<string, unknown> = { password: "x-secret-1", nested: { ok: 1 } };
    input["self"] = input;
    const out = redactDeep(input) as Record<string, unknown>;
    expect(input["password"]).toBe("x-secret-1");
    expect(out["password"]).toBe(REDACTED);
    expect(out["self"]).toBe("[Circular]");
  });
});
