// Authentication to Ironic (none, HTTP basic, token) and TLS verification
// (S10, S11), against real Ironic processes and a real TLS front.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIronic, type RunningIronic } from "../../src/dev/ironic-process.js";
import { generateTlsMaterial, startTlsFront, type TlsFront, type TlsMaterial } from "../../harness/tls-front.js";
import { IronicClient } from "../../src/ironic/client.js";
import { ironicClientOptions } from "../../src/ironic/config.js";
import { AuthError, TlsError, UnavailableError } from "../../src/ironic/errors.js";
import { captureLog } from "../support/log-capture.js";
import { sharedIronicUrl } from "../support/ironic.js";

const USER = "ironic-compute";
const PASSWORD = "s3rvice-Passw0rd";
const fastRetry = { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 };

describe("HTTP basic auth against an Ironic with auth_strategy = http_basic", () => {
  let ironic: RunningIronic;
  beforeAll(async () => {
    ironic = await startIronic({ auth: "http_basic", basicUsers: { [USER]: PASSWORD } });
  });
  afterAll(async () => {
    await ironic.stop();
  });

  const client = (auth: ConstructorParameters<typeof IronicClient>[0]["auth"]) =>
    new IronicClient(ironicClientOptions({ url: ironic.url, auth, retry: fastRetry }));

  it("works with the right password", async () => {
    const c = client({ type: "http_basic", username: USER, password: PASSWORD });
    expect(Array.isArray(await c.nodes.list(["uuid"]))).toBe(true);
    await c.close();
  });

  it("fails with AuthError on a wrong password, a token, or no credentials", async () => {
    for (const auth of [
      { type: "http_basic" as const, username: USER, password: "wrong-password" },
      { type: "token" as const, token: "some-token" },
      { type: "none" as const },
    ]) {
      const c = client(auth);
      await expect(c.nodes.list(["uuid"])).rejects.toBeInstanceOf(AuthError);
      await c.close();
    }
  });
});

describe("token auth", () => {
  it("sends the token as X-Auth-Token (checked by a hand-made fake that records headers)", async () => {
    let seen: IncomingHttpHeaders | undefined;
    const fake = createServer((req, res) => {
      seen = req.headers;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ default_version: { id: "v1", version: "1.82", min_version: "1.1" } }));
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    const port = (fake.address() as AddressInfo).port;
    const c = new IronicClient(ironicClientOptions({ url: `http://127.0.0.1:${port}`, auth: { type: "token", token: "tok-123456" } }));
    await c.connect();
    expect(seen?.["x-auth-token"]).toBe("tok-123456");
    expect(seen?.authorization).toBeUndefined();
    await c.close();
    await new Promise<void>((resolve) => fake.close(() => { resolve(); }));
  });
});

describe("TLS to Ironic", () => {
  let material: TlsMaterial;
  let other: TlsMaterial;
  let front: TlsFront;
  let mtlsFront: TlsFront;

  beforeAll(async () => {
    material = await generateTlsMaterial();
    other = await generateTlsMaterial();
    const target = new URL(sharedIronicUrl());
    front = await startTlsFront({ targetHost: target.hostname, targetPort: Number(target.port), material });
    mtlsFront = await startTlsFront({ targetHost: target.hostname, targetPort: Number(target.port), material, requireClientCert: true });
  });
  afterAll(async () => {
    await front.stop();
    await mtlsFront.stop();
  });

  it("verifies the server against the configured CA bundle", async () => {
    const c = new IronicClient(ironicClientOptions({ url: front.url, tls: { caFile: material.caCertFile } }));
    expect(await c.connect()).toEqual([1, 82]);
    await c.close();
  });

  it("refuses a server whose certificate is from an unknown CA, without retrying", async () => {
    const c = new IronicClient(ironicClientOptions({ url: front.url, tls: { caFile: other.caCertFile }, retry: fastRetry }));
    await expect(c.connect()).rejects.toBeInstanceOf(TlsError);
    await c.close();
  });

  it("refuses by default when no CA is configured (system CAs do not know ours)", async () => {
    const c = new IronicClient(ironicClientOptions({ url: front.url, retry: fastRetry }));
    await expect(c.connect()).rejects.toBeInstanceOf(TlsError);
    await c.close();
  });

  it("accepts any certificate only with the explicit insecure opt-in, and warns", async () => {
    const log = captureLog("warn");
    const c = new IronicClient(ironicClientOptions({ url: front.url, tls: { insecure: true } }), log.logger);
    expect(await c.connect()).toEqual([1, 82]);
    expect(log.text()).toMatch(/verification of Ironic is DISABLED/);
    await c.close();
  });

  it("presents a client certificate when the server requires one", async () => {
    const withCert = new IronicClient(
      ironicClientOptions({
        url: mtlsFront.url,
        tls: { caFile: material.caCertFile, certFile: material.clientCertFile, keyFile: material.clientKeyFile },
      }),
    );
    expect(await withCert.connect()).toEqual([1, 82]);
    await withCert.close();
    const without = new IronicClient(ironicClientOptions({ url: mtlsFront.url, tls: { caFile: material.caCertFile }, retry: fastRetry }));
    const error = await without.connect().catch((e: unknown) => e);
    expect(error instanceof TlsError || error instanceof UnavailableError).toBe(true);
    await without.close();
  });

  it("rejects a certificate file without its key at configuration time", () => {
    expect(() => ironicClientOptions({ url: front.url, tls: { certFile: material.clientCertFile } })).toThrow(/certFile and keyFile/);
  });
});
