// A real Ironic with novaNotifierConfig() posts its power notifications to the
// compute URL it is given, with HTTP Basic credentials and Nova's request shape.
// This file starts its own Ironic (the run's shared one has notifications off).

import { randomBytes, randomUUID } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrolNodes } from "../../src/dev/enrol.js";
import { startIronic, type RunningIronic } from "../../src/dev/ironic-process.js";
import { novaNotifierConfig } from "../../src/dev/nova-notifier.js";
import { IronicClient } from "../../src/ironic/client.js";
import { ironicClientOptions } from "../../src/ironic/config.js";
import { uniqueResourceClass } from "../support/ironic.js";
import { waitUntil } from "../support/wait.js";

const USER = "ironic-notifier";
// Everything oslo.config would otherwise rewrite: surrounding spaces and quotes,
// `$name` / `${name}` substitution; plus a colon, which Basic keeps after the first.
const PASSWORD = ` "pa$ss:${randomBytes(9).toString("base64url")}' $HOME \${x} `;

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

// HAND-MADE FAKE standing in for our API's POST /v2.1/os-server-external-events:
// records every request and answers 200 with each event "completed", as ours
// (and Nova) do when every event was accepted.
function startRecorder(recorded: Recorded[]): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      recorded.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      const events = eventsOf(body).map((event) => ({ ...event, status: "completed", code: 200 }));
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ events }));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
      resolve(server);
    }));
}

function eventsOf(body: string): Record<string, unknown>[] {
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed !== "object" || parsed === null || !("events" in parsed) || !Array.isArray(parsed.events)) {
    throw new Error(`not an events body: ${body}`);
  }
  return parsed.events as Record<string, unknown>[];
}

function basicCredentials(headers: IncomingHttpHeaders): string {
  const header = headers.authorization ?? "";
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
  if (match?.[1] === undefined) throw new Error(`not a Basic Authorization header: ${header}`);
  return Buffer.from(match[1], "base64").toString("utf8");
}

describe("novaNotifierConfig with a real Ironic", () => {
  const recorded: Recorded[] = [];
  let recorder: Server | undefined;
  let ironic: RunningIronic | undefined;
  let client: IronicClient | undefined;
  let nodeUuid = "";
  const instanceUuid = randomUUID();

  const running = (): { ironic: RunningIronic; client: IronicClient } => {
    if (ironic === undefined || client === undefined) throw new Error("Ironic did not start");
    return { ironic, client };
  };

  beforeAll(async () => {
    recorder = await startRecorder(recorded);
    const { port } = recorder.address() as AddressInfo;
    ironic = await startIronic({
      extraConfig: novaNotifierConfig({ computeUrl: `http://127.0.0.1:${port}/v2.1`, username: USER, password: PASSWORD }),
    });
    client = new IronicClient(ironicClientOptions({ url: ironic.url }));
    const [uuid] = await enrolNodes(client, { count: 1, resourceClass: uniqueResourceClass("nova_notifier") });
    if (uuid === undefined) throw new Error("no node enrolled");
    nodeUuid = uuid;
    await client.nodes.update(nodeUuid, [{ op: "add", path: "/instance_uuid", value: instanceUuid }]);
  }, 180_000);

  afterAll(async () => {
    await client?.close();
    await ironic?.stop();
    const server = recorder;
    if (server !== undefined) {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  });

  it("posts power-update POWER_ON then POWER_OFF with Basic credentials", async () => {
    const { client: ironicClient } = running();
    expect(recorded).toEqual([]); // enrolment ran before the instance_uuid was set

    await ironicClient.nodes.setPowerState(nodeUuid, { target: "power on" });
    await waitUntil("the POWER_ON notification", () => Promise.resolve(recorded.length >= 1 ? true : undefined), {
      timeoutMs: 15_000,
    });
    await ironicClient.nodes.setPowerState(nodeUuid, { target: "power off" });
    await waitUntil("the POWER_OFF notification", () => Promise.resolve(recorded.length >= 2 ? true : undefined), {
      timeoutMs: 15_000,
    });

    expect(recorded).toHaveLength(2);
    const tags: unknown[] = [];
    for (const request of recorded) {
      expect(request.method).toBe("POST");
      expect(request.url).toBe("/v2.1/os-server-external-events");
      expect(basicCredentials(request.headers)).toBe(`${USER}:${PASSWORD}`);
      expect(request.headers["openstack-api-version"]).toBe("compute 2.76");
      expect(request.headers["x-openstack-nova-api-version"]).toBe("2.76");
      expect(request.headers["content-type"]).toBe("application/json");
      const events = eventsOf(request.body);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ name: "power-update", server_uuid: instanceUuid });
      tags.push(events[0]?.["tag"]);
    }
    expect(tags).toEqual(["POWER_ON", "POWER_OFF"]);
  });

  it("keeps the password in a 0600 config file and out of Ironic's log", async () => {
    const { ironic: local } = running();
    expect((await stat(local.configFile)).mode & 0o777).toBe(0o600);
    expect((await stat(local.dir)).mode & 0o777).toBe(0o700);
    expect(await readFile(local.logFile, "utf8")).not.toContain(PASSWORD.trim());
  });
});

describe("novaNotifierConfig", () => {
  const base = { computeUrl: "http://127.0.0.1:8774/v2.1/", username: "admin", password: "p$w" };

  it("writes quoted values with `$` doubled and a bounded timeout", () => {
    expect(novaNotifierConfig(base)).toEqual({
      nova: {
        send_power_notifications: "true",
        auth_type: "http_basic",
        username: '"admin"',
        password: '"p$$w"',
        endpoint_override: '"http://127.0.0.1:8774/v2.1"',
        timeout: "5",
      },
    });
    expect(novaNotifierConfig({ ...base, timeoutSeconds: 2 }).nova?.["timeout"]).toBe("2");
  });

  it("refuses what Ironic would read differently or Basic cannot carry", () => {
    expect(() => novaNotifierConfig({ ...base, username: "a:b" })).toThrow(/user name/);
    expect(() => novaNotifierConfig({ ...base, username: "" })).toThrow(/user name/);
    expect(() => novaNotifierConfig({ ...base, password: "" })).toThrow(/empty password/);
    expect(() => novaNotifierConfig({ ...base, password: "a\nb" })).toThrow(/newline/);
    expect(() => novaNotifierConfig({ ...base, computeUrl: "http://h/v2.1/a%20b" })).toThrow(/%/);
    expect(() => novaNotifierConfig({ ...base, computeUrl: "ftp://h/v2.1" })).toThrow(/http/);
    expect(() => novaNotifierConfig({ ...base, computeUrl: "http://u:p@h/v2.1" })).toThrow(/credentials/);
    expect(() => novaNotifierConfig({ ...base, computeUrl: "not a url" })).toThrow(/not a URL/);
    expect(() => novaNotifierConfig({ ...base, timeoutSeconds: 0 })).toThrow(/timeoutSeconds/);
  });
});
