// SSH key handling for keypairs: parse and fingerprint public keys, and generate
// a key pair when the user brings none (as OSC's `keypair create NAME` expects).
// Generated: RSA 3072, private key in PKCS#1 PEM (read by every OpenSSH), public
// key in OpenSSH format. Fingerprint: Nova's MD5 colon form.
// Generation is asynchronous (libuv's thread pool): an RSA-3072 key takes about
// 650 ms of CPU, which must not stall the event loop; callers bound how many run.
import { createHash, generateKeyPair as generateKeyPairAsync, X509Certificate, type KeyObject } from "node:crypto";
import { validateX509Certificate } from "../driver/config-drive/index.js";
import { InvalidInputError } from "../driver/errors.js";
import { BadRequestError } from "./contract.js";

const KEY_TYPES = new Set([
  "ssh-rsa",
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
]);
const MAX_KEY_CHARS = 16_384;

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

function mpint(unsignedBigEndian: Buffer): Buffer {
  // A leading zero byte keeps a set high bit from reading as negative.
  const first = unsignedBigEndian[0] ?? 0;
  return sshString(first & 0x80 ? Buffer.concat([Buffer.from([0]), unsignedBigEndian]) : unsignedBigEndian);
}

export interface ParsedPublicKey {
  type: string;
  blob: Buffer;
  /** Normalized "type base64 [comment]". */
  text: string;
}

export function parsePublicKey(input: string): ParsedPublicKey {
  const text = input.trim();
  if (text.length === 0 || text.length > MAX_KEY_CHARS || /[\r\n\0]/.test(text)) {
    throw new BadRequestError("Keypair data is invalid: a public key is one line of OpenSSH text");
  }
  const [type = "", body = "", ...comment] = text.split(/\s+/);
  if (!KEY_TYPES.has(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    throw new BadRequestError("Keypair data is invalid: failed to read the public key");
  }
  const blob = Buffer.from(body, "base64");
  const declared = blob.length >= 4 ? blob.subarray(4, 4 + blob.readUInt32BE(0)).toString("latin1") : "";
  if (declared !== type) throw new BadRequestError("Keypair data is invalid: the key's type does not match its data");
  return { type, blob, text: [type, body, ...comment].join(" ") };
}

/**
 * An x509 key pair's public key (Nova 2.2): one PEM certificate, checked by the
 * config drive's own rule (it goes there), and Nova's fingerprint of it — the
 * SHA-1 of the certificate's DER, lower-case hex pairs joined by colons.
 */
export function parseX509PublicKey(input: string): { pem: string; fingerprint: string } {
  let pem: string;
  try {
    pem = validateX509Certificate(input, "the public key");
  } catch (error) {
    if (error instanceof InvalidInputError) throw new BadRequestError(`Keypair data is invalid: ${error.message}`);
    throw error;
  }
  return { pem, fingerprint: new X509Certificate(pem).fingerprint.toLowerCase() };
}

export function fingerprint(blob: Buffer): string {
  return (createHash("md5").update(blob).digest("hex").match(/../g) ?? []).join(":");
}

function generateRsaPair(): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    generateKeyPairAsync("rsa", { modulusLength: 3072 }, (error, publicKey, privateKey) => {
      if (error === null) resolve({ publicKey, privateKey });
      else reject(error);
    });
  });
}

export async function generateKeyPair(comment: string): Promise<{ publicKey: string; privateKey: string }> {
  const { publicKey, privateKey } = await generateRsaPair();
  const jwk = publicKey.export({ format: "jwk" });
  const e = Buffer.from(jwk.e ?? "", "base64url");
  const n = Buffer.from(jwk.n ?? "", "base64url");
  const blob = Buffer.concat([sshString(Buffer.from("ssh-rsa")), mpint(e), mpint(n)]);
  return {
    publicKey: `ssh-rsa ${blob.toString("base64")} ${comment.replace(/\s+/g, "-")}`,
    privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
  };
}
