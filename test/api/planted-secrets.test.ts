// Planted secrets (issue 16 #6): one full lifecycle on the real service and the
// run's real Ironic, with a unique random marker in every secret a user or an
// operator hands over — user data, the admin password on create and rebuild,
// the rescue password, a user's basic-auth password, a Keystone token (used as
// X-Auth-Token), an application credential secret, an iSCSI volume's CHAP
// secret, a driver_info password on the node and a signed image URL — then a
// scan of every log line (debug level), every API answer body and the SQLite
// file with its WAL once the tasks have ended: zero hits. The only answers
// allowed to hold a secret are the ones that hand it back once (the create,
// rebuild and rescue adminPass, the application credential's create, the
// admin's own image with its URL); the test asserts that exactly those did.
// One secret is still at rest in clear (KNOWN_AT_REST).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type CallResult, type TestApi } from "../support/api-service.js";
import { sharedIronicUrl } from "../support/ironic.js";
import { captureLog } from "../support/log-capture.js";

const marker = (what: string): string => `planted-${what}-${randomBytes(12).toString("hex")}`;
const SECRETS = {
  userData: marker("userdata"),
  createPass: marker("createpass"),
  rebuildPass: marker("rebuildpass"),
  rescuePass: marker("rescuepass"),
  appSecret: marker("appsecret"),
  chap: marker("chap"),
  driverInfo: marker("ipmipass"),
  imageSig: randomBytes(20).toString("hex"),
};
const USER_DATA = Buffer.from(`#!/bin/sh\necho ${SECRETS.userData} > /root/planted\n`).toString("base64");

/**
 * Known at rest, in clear (found by this test, not yet fixed — see the S8 row
 * of docs/security.md): the image's signed URL (images.url, which the deploy
 * needs). The user data, found here too, is sealed since (store/secret-box.ts).
 * Listed exactly, so a new leak fails the test and a fix makes it fail too
 * until the entry is removed.
 */
const KNOWN_AT_REST = ["database: imageSig"];

const log = captureLog("debug");
let api: TestApi;
/** Indexes in api.responses of the answers that legitimately return a secret once, with the secret. */
const allowed = new Map<number, string>();
/** Secrets known only once issued (the token) or fixed by the support (passwords). */
const extra: Record<string, string> = {};

function lastAnswer(): number {
  return api.responses.length - 1;
}

function ok(result: CallResult, status: number): CallResult {
  expect(result.status, result.text).toBe(status);
  return result;
}

beforeAll(async () => {
  api = await startTestApi("planted-secrets", { nodes: 1, log: log.logger, iscsiConnector: true });
  extra["memberPassword"] = api.passwords.member;
  extra["adminPassword"] = api.passwords.admin;
});

afterAll(async () => {
  await api.stop();
});

describe("planted secrets", () => {
  it("a full lifecycle leaves no planted secret in any log line, answer or database byte", async () => {
    // An operator's BMC password on the node (Ironic masks it; it must not come through).
    const node = api.nodes[0] ?? "";
    const patched = await request(`${sharedIronicUrl()}/v1/nodes/${node}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", "x-openstack-ironic-api-version": "1.82" },
      body: JSON.stringify([{ op: "add", path: "/driver_info/ipmi_password", value: SECRETS.driverInfo }]),
    });
    expect(patched.statusCode, await patched.body.text()).toBe(200);

    // A signed image URL, registered by the admin (whose own answer shows it back).
    const image = ok(
      await api.call("POST", "/image/v2/images", {
        body: { name: "signed", disk_format: "qcow2", url: `https://swift.example:8080/v1/AUTH_x/glance/img?temp_url_sig=${SECRETS.imageSig}&temp_url_expires=4102444800` },
      }),
      201,
    );
    allowed.set(lastAnswer(), SECRETS.imageSig);
    const imageId = String(image.json["id"]);

    // A Keystone token of the member, then used as X-Auth-Token for the rest of the member's calls.
    const member = api.users.member;
    const issued = ok(
      await api.call("POST", "/identity/v3/auth/tokens", {
        as: "anonymous",
        body: { auth: { identity: { methods: ["password"], password: { user: { id: member.id, password: api.passwords.member } } }, scope: { project: { id: member.projectId } } } },
      }),
      201,
    );
    const token = String(issued.headers["x-subject-token"]);
    expect(token.length).toBeGreaterThan(20);
    extra["token"] = token;
    const asMember = { as: "anonymous" as const, headers: { "x-auth-token": token } };

    // An application credential with a secret the member chose.
    ok(
      await api.call("POST", `/identity/v3/users/${member.id}/application_credentials`, {
        ...asMember,
        body: { application_credential: { name: "planted", secret: SECRETS.appSecret } },
      }),
      201,
    );
    allowed.set(lastAnswer(), SECRETS.appSecret);
    ok(await api.call("GET", `/identity/v3/users/${member.id}/application_credentials`, asMember), 200);

    // A CHAP volume, registered and deleted by the admin.
    const volume = ok(
      await api.call("POST", `/volume/v3/${member.projectId}/volumes`, {
        body: {
          volume: {
            name: "planted-chap",
            size: 1,
            project_id: member.projectId,
            connection: { protocol: "iscsi", target_portals: ["192.0.2.10:3260"], target_iqn: "iqn.2004-04.com.example:storage:planted", target_lun: 1, auth_username: "chap-user", auth_password: SECRETS.chap },
          },
        },
      }),
      202,
    );
    const volumeId = String((volume.json["volume"] as Record<string, unknown>)["id"]);
    ok(await api.call("GET", `/volume/v3/volumes/${volumeId}`), 200);

    // The server: create with user data and an adminPass, rebuild with another, rescue with a third.
    const created = ok(
      await api.call("POST", "/v2.1/servers", {
        ...asMember,
        body: { server: { name: "planted", imageRef: imageId, flavorRef: api.flavorId, networks: "none", user_data: USER_DATA, adminPass: SECRETS.createPass } },
      }),
      202,
    );
    allowed.set(lastAnswer(), SECRETS.createPass);
    const id = String((created.json["server"] as Record<string, unknown>)["id"]);
    await api.waitForStatus(id, "ACTIVE", "member");
    ok(await api.call("POST", `/v2.1/servers/${id}/action`, { ...asMember, body: { rebuild: { imageRef: imageId, adminPass: SECRETS.rebuildPass } } }), 202);
    allowed.set(lastAnswer(), SECRETS.rebuildPass);
    await api.waitForStatus(id, "ACTIVE", "member");
    ok(await api.call("POST", `/v2.1/servers/${id}/action`, { ...asMember, body: { rescue: { adminPass: SECRETS.rescuePass } } }), 200);
    allowed.set(lastAnswer(), SECRETS.rescuePass);
    await api.waitForStatus(id, "RESCUE", "member");
    ok(await api.call("POST", `/v2.1/servers/${id}/action`, { ...asMember, body: { unrescue: null } }), 202);
    await api.waitForStatus(id, "ACTIVE", "member");
    // The admin's views (details at a microversion that names more, actions, events).
    ok(await api.call("GET", `/v2.1/servers/${id}`, { headers: { "openstack-api-version": "compute 2.95" } }), 200);
    const actions = ok(await api.call("GET", `/v2.1/servers/${id}/os-instance-actions`), 200);
    for (const action of actions.json["instanceActions"] as Array<{ request_id: string }>) {
      ok(await api.call("GET", `/v2.1/servers/${id}/os-instance-actions/${action.request_id}`), 200);
    }
    ok(await api.call("DELETE", `/v2.1/servers/${id}`, asMember), 204);
    await waitForGone(`/v2.1/servers/${id}`);
    ok(await api.call("DELETE", `/volume/v3/volumes/${volumeId}`), 202);
    await waitForGone(`/volume/v3/volumes/${volumeId}`);
    await waitForIdle();

    const planted: Record<string, string> = { ...SECRETS, userDataBase64: USER_DATA, ...extra };
    const database = [api.storePath, `${api.storePath}-wal`].filter((path) => existsSync(path)).map((path) => readFileSync(path));
    const databaseText = database.map((bytes) => bytes.toString("latin1")).join("\n");
    const hits: string[] = [];
    for (const [name, secret] of Object.entries(planted)) {
      log.lines.forEach((line, index) => {
        if (line.includes(secret)) hits.push(`log line ${index}: ${name}`);
      });
      api.responses.forEach((text, index) => {
        if (text.includes(secret) && allowed.get(index) !== secret) hits.push(`answer ${index}: ${name}`);
      });
      if (databaseText.includes(secret)) hits.push(`database: ${name}`);
    }
    // The answers let through are exactly those that hand a secret back once, and each did.
    for (const [index, secret] of allowed) expect(api.responses[index], `answer ${index}`).toContain(secret);
    const holding = api.responses.flatMap((text, index) => (Object.values(planted).some((secret) => text.includes(secret)) ? [index] : []));
    expect(holding.sort((a, b) => a - b)).toEqual([...allowed.keys()].sort((a, b) => a - b));

    const bytes = database.reduce((sum, file) => sum + file.length, 0);
    console.log(`planted-secrets: ${Object.keys(planted).length} secrets; scanned ${log.lines.length} log lines, ${api.responses.length} answers (${allowed.size} allowed once), ${bytes} database bytes (${database.length} files)`);
    expect(hits.filter((hit) => !hit.startsWith("database: "))).toEqual([]);
    expect(hits.filter((hit) => hit.startsWith("database: "))).toEqual(KNOWN_AT_REST);
  });
});

async function waitForGone(path: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await api.call("GET", path)).status !== 404) {
    if (Date.now() > deadline) throw new Error(`${path} still there`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The tasks have ended: none pending or running in the store. */
async function waitForIdle(): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await api.running.store.tasks.listActive()).length > 0) {
    if (Date.now() > deadline) throw new Error("tasks still active");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
