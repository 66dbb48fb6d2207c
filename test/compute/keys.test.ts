// Generated key pairs (issue 8 #8): made off the event loop, in OpenSSH/PEM form.
import { createPrivateKey, createPublicKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateKeyPair, parsePublicKey } from "../../src/compute/keys.js";

describe("generateKeyPair", () => {
  it("lets the event loop turn while the key is made, and returns a usable pair", async () => {
    let done = false;
    // Promise.resolve: the same test reads the old, synchronous generator too.
    const generating = Promise.resolve(generateKeyPair("my key")).then((pair) => {
      done = true;
      return pair;
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(done, "the key pair was made before the event loop could turn").toBe(false);
    const pair = await generating;
    const parsed = parsePublicKey(pair.publicKey);
    expect(parsed.type).toBe("ssh-rsa");
    expect(pair.publicKey.endsWith(" my-key")).toBe(true);
    const privateKey = createPrivateKey(pair.privateKey);
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
    expect(pair.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    // The public key's blob carries the private key's modulus.
    const modulus = Buffer.from(createPublicKey(privateKey).export({ format: "jwk" }).n ?? "", "base64url");
    expect(modulus.length).toBe(384);
    expect(parsed.blob.includes(modulus)).toBe(true);
  });
});
