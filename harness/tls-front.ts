// A TLS-terminating TCP proxy in front of a plain-HTTP target (the local Ironic),
// so the client's TLS verification (custom CA, client certificates) is tested
// against a real handshake. Ironic 21.4 can serve TLS itself ([api] enable_ssl_api),
// but a front lets one Ironic be reached both ways and lets us require client
// certificates. Test material only: short-lived, generated per run.

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type TLSSocket } from "node:tls";
import { listenOnLoopback } from "./loopback-listener.js";

export interface TlsMaterial {
  dir: string;
  caCertFile: string;
  caCertPem: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
}

export interface TlsFront {
  url: string;
  port: number;
  material: TlsMaterial;
  stop(): Promise<void>;
}

const DAYS = "2"; // test certificates: valid long enough for a run, not more

/**
 * A self-signed CA and two leaves it signs: a server certificate for 127.0.0.1 and
 * localhost, and a client certificate. P-256 keys (fast to make). Key files are
 * 0600; their contents are never printed (openssl's own stderr holds no key
 * material, and it is the only output we surface on failure).
 */
export async function generateTlsMaterial(dir?: string): Promise<TlsMaterial> {
  const root = dir ?? (await mkdtemp(join(tmpdir(), "ironic-compute-tls-")));
  const file = (name: string): string => join(root, name);
  const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

  await openssl([
    "req", "-x509", ...newKey, "-keyout", file("ca.key"), "-out", file("ca.crt"), "-days", DAYS,
    "-subj", "/CN=ironic-compute test CA",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);

  const leaf = async (name: string, subject: string, extensions: string[]): Promise<void> => {
    await openssl(["req", ...newKey, "-keyout", file(`${name}.key`), "-out", file(`${name}.csr`), "-subj", subject]);
    await writeFile(file(`${name}.ext`), `${extensions.join("\n")}\n`);
    await openssl([
      "x509", "-req", "-in", file(`${name}.csr`), "-CA", file("ca.crt"), "-CAkey", file("ca.key"),
      // Random serials: two runs' certificates never collide in a client's cache.
      "-set_serial", `0x${randomBytes(16).toString("hex")}`, "-days", DAYS,
      "-extfile", file(`${name}.ext`), "-out", file(`${name}.crt`),
    ]);
  };
  const common = ["basicConstraints=critical,CA:FALSE", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid,issuer"];
  await leaf("server", "/CN=localhost", [
    ...common,
    "keyUsage=critical,digitalSignature",
    "extendedKeyUsage=serverAuth",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
  ]);
  await leaf("client", "/CN=ironic-compute test client", [
    ...common,
    "keyUsage=critical,digitalSignature",
    "extendedKeyUsage=clientAuth",
  ]);

  return {
    dir: root,
    caCertFile: file("ca.crt"),
    caCertPem: await readFile(file("ca.crt"), "utf8"),
    serverCertFile: file("server.crt"),
    serverKeyFile: file("server.key"),
    clientCertFile: file("client.crt"),
    clientKeyFile: file("client.key"),
  };
}

function openssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // OpenSSL 3 creates -keyout files with mode 0600 itself (checked), whatever the umask.
    execFile("openssl", args, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error === null) resolve();
      else reject(new Error(`openssl ${args[0] ?? ""} failed: ${stderr.trim() || error.message}`));
    });
  });
}

export async function startTlsFront(opts: {
  targetHost: string;
  targetPort: number;
  requireClientCert?: boolean;
  material?: TlsMaterial;
}): Promise<TlsFront> {
  const ownMaterial = opts.material === undefined;
  const material = opts.material ?? (await generateTlsMaterial());
  const requireClientCert = opts.requireClientCert ?? false;

  const server = createServer(
    {
      key: await readFile(material.serverKeyFile),
      cert: await readFile(material.serverCertFile),
      // Client certificates are checked against our CA only when asked for.
      ...(requireClientCert ? { ca: material.caCertPem, requestCert: true, rejectUnauthorized: true } : {}),
    },
    (tlsSocket: TLSSocket) => {
      const upstream = connect({ host: opts.targetHost, port: opts.targetPort });
      listener.track(upstream);
      // Either side failing ends the pair: a TCP proxy has no answer of its own.
      tlsSocket.once("error", () => upstream.destroy());
      upstream.once("error", () => tlsSocket.destroy());
      tlsSocket.pipe(upstream).pipe(tlsSocket);
    },
  );
  // A client that rejects our certificate (the point of some tests) ends up here;
  // the failure is the client's to report, not ours.
  server.on("tlsClientError", () => undefined);

  // Tracks raw TCP sockets, so stop() also ends connections still in the handshake.
  const listener = await listenOnLoopback(server);
  const { port } = listener;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await listener.close();
      if (ownMaterial) await rm(material.dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  return { url: `https://127.0.0.1:${port}`, port, material, stop };
}
