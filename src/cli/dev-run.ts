// `ironic-compute dev` (what `npm start` runs), the work: a local Ironic with fake-hardware
// nodes and the service in front of it on SQLite, seeded and ready to use, until
// Ctrl-C. Every run starts FRESH: the local Ironic is new each time, so the old
// database (.local/data/ironic-compute.sqlite) would only describe nodes that no
// longer exist; it is deleted at start.
// Order: the API first (its URL must be known), then Ironic configured to send
// its power notifications to the API's os-server-external-events as a user with
// the `service` role (it may post those events and nothing else; the admin
// password never goes into Ironic's config), then the nodes and the seed data. Besides credentials.env, clouds.yaml
// is written for the real `openstack` CLI: cloud "ironic-compute" (Keystone v3 password auth through the
// service's /identity, endpoints from the catalog) and "ironic-compute-basic" (http_basic, endpoints given).
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { computeConfigSchema } from "../compute/config.js";
import { enrolNodes } from "../dev/enrol.js";
import { fakeHardwareFlavor, publicQcow2Image } from "../dev/demo-catalog.js";
import { BASIC_CLOUD_NAME, cloudsYaml, CLOUD_NAME } from "../dev/clouds-yaml.js";
import { freeLoopbackPort } from "../dev/free-port.js";
import { createIronicServiceUser } from "../dev/ironic-service-user.js";
import { ensureIronicInstalled } from "../dev/ironic-install.js";
import { startIronic, type RunningIronic } from "../dev/ironic-process.js";
import { novaNotifierConfig } from "../dev/nova-notifier.js";
import { driverConfig } from "../driver/config.js";
import { IronicClient } from "../ironic/client.js";
import { ironicClientOptions } from "../ironic/config.js";
import { createLogger } from "../log/logger.js";
import { CliError } from "./client/errors.js";
import { loadSecrets } from "./secrets-key.js";
import { startService, untilSignal } from "./service-runtime.js";

const DEMO_IMAGE_URL = "http://127.0.0.1:1/demo.qcow2";
const DEMO_CIDR = "192.0.2.0/24";
// Fake hardware never downloads; any well-formed digest will do.
const DEMO_IMAGE_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

function parseCount(value: string, name: string, max: number): number {
  const count = Number.parseInt(value, 10);
  if (!Number.isInteger(count) || count < 0 || count > max || String(count) !== value.trim()) {
    throw new CliError(`${name} must be an integer between 0 and ${max}, not '${value}'`);
  }
  return count;
}

export interface DevOptions {
  nodes: string;
  port: string;
  dir: string;
}

export async function runDev(options: DevOptions): Promise<void> {
  const count = parseCount(options.nodes, "--nodes", 10_000);
  const port = parseCount(options.port, "--port", 65_535);
  const dir = resolve(options.dir);
  const dataDir = join(dir, "data");
  const databasePath = join(dataDir, "ironic-compute.sqlite");
  mkdirSync(dataDir, { recursive: true });
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${databasePath}${suffix}`, { force: true });

  const log = createLogger({ level: "info" });
  log.info("checking Debian's python3-ironic (the first run installs it)");
  await ensureIronicInstalled();
  // The API starts first, so that Ironic can be told where to send its power
  // notifications (os-server-external-events); the service does not talk to
  // Ironic before it is asked to, so Ironic's port is only reserved here.
  const ironicPort = await freeLoopbackPort();
  const ironicUrl = `http://127.0.0.1:${ironicPort}`;
  const password = randomBytes(18).toString("base64url");
  const adminProject = "admin";
  const running = await startService({
    database: { kind: "sqlite", path: databasePath },
    secrets: await loadSecrets({ kind: "sqlite", path: databasePath }, undefined),
    ironic: ironicClientOptions({ url: ironicUrl }),
    driver: driverConfig({ pollIntervalMs: 500, cache: { maxAgeMs: 5_000 } }),
    compute: computeConfigSchema.parse({ reconcileIntervalMs: 10_000 }),
    api: { host: "127.0.0.1", port, auth: "basic" },
    bootstrapAdmin: { project: adminProject, user: "admin", password },
    log,
  });
  const admin = await running.compute.authenticate("admin", password);
  if (admin === undefined) {
    await running.stop();
    throw new Error("the seeded admin cannot log in");
  }
  const caller = { ...admin, requestId: `req-${randomBytes(16).toString("hex")}` };
  let ironic: RunningIronic;
  let uuids: string[];
  try {
    const notifier = await createIronicServiceUser(running.compute, caller);
    log.info("starting a local Ironic");
    ironic = await startIronic({
      port: ironicPort,
      // Power changes reach the API within ~0.2 s instead of the next reconcile pass.
      extraConfig: novaNotifierConfig({ computeUrl: `${running.api.url}/v2.1`, ...notifier }),
    });
    const enrolClient = new IronicClient(ironicClientOptions({ url: ironic.url }), log);
    try {
      // One NIC each (a server on the demo network is plugged into it), and the
      // external storage interface with an iSCSI initiator (boot from a registered volume).
      uuids = await enrolNodes(enrolClient, {
        count,
        namePrefix: "node",
        resourceClass: "baremetal",
        portsPerNode: 1,
        iscsiConnector: true,
        interfaces: { storage_interface: "external" },
      });
    } finally {
      await enrolClient.close();
    }
  } catch (error) {
    await running.stop();
    throw error;
  }
  log.info({ ironic: ironic.url, nodes: uuids.length, logFile: ironic.logFile }, "local Ironic ready, sending power notifications to the API");
  await running.compute.flavors.create(
    caller,
    fakeHardwareFlavor({ name: "baremetal", description: "any fake-hardware node of the dev setup", resourceClass: "baremetal" }),
  );
  await running.compute.images.create(
    caller,
    publicQcow2Image({
      name: "demo",
      url: DEMO_IMAGE_URL,
      osHashAlgo: "sha256",
      osHashValue: DEMO_IMAGE_SHA256,
      ownerProjectId: admin.projectId,
    }),
  );

  // A shared network with a pool on a documentation range (RFC 5737), so the
  // first `server create --network demo --wait` shows an address.
  const demoNetwork = await running.compute.network.networks.create(caller, { name: "demo", shared: true, description: "the dev setup's network" });
  await running.compute.network.subnets.create(caller, {
    networkId: demoNetwork.id,
    name: "demo-v4",
    ipVersion: 4,
    cidr: DEMO_CIDR,
    gatewayIp: "192.0.2.1",
    allocationPools: [{ start: "192.0.2.100", end: "192.0.2.199" }],
    dnsNameservers: ["192.0.2.53"],
  });

  // One registered, bootable demo volume (an iSCSI target on a documentation
  // address: fake hardware never connects to it), shared with every project.
  await running.compute.volumes.register(caller, {
    name: "demo-volume",
    description: "the dev setup's boot volume",
    sizeGb: 20,
    projectId: null,
    bootable: true,
    metadata: {},
    target: { protocol: "iscsi", portals: ["192.0.2.20:3260"], iqn: "iqn.2026-12.org.example:demo-volume", lun: 0, chapUsername: null },
  });

  const credentialsFile = join(dir, "credentials.env");
  writeFileSync(
    credentialsFile,
    `export IRONIC_COMPUTE_URL=${running.api.url}\nexport IRONIC_COMPUTE_USERNAME=admin\nexport IRONIC_COMPUTE_PASSWORD=${password}\n`,
    { mode: 0o600 },
  );
  // For the real `openstack` CLI and openstacksdk (docs/openstack-compat.md).
  const cloudsFile = join(dir, "clouds.yaml");
  rmSync(cloudsFile, { force: true }); // `mode` applies only to a new file
  writeFileSync(cloudsFile, cloudsYaml({ apiUrl: running.api.url, username: "admin", password, projectName: adminProject }), { mode: 0o600 });
  const osc = `OS_CLIENT_CONFIG_FILE=${join(options.dir, "clouds.yaml")} openstack --os-cloud`;
  process.stdout.write(
    [
      "",
      `ironic-compute is running:  ${running.api.url}   (Ironic: ${ironic.url}, ${uuids.length} fake-hardware nodes)`,
      `  user: admin   password: ${password}   (new every run; the database starts fresh too)`,
      `  credentials: ${credentialsFile}  →  source it:  . ${options.dir}/credentials.env`,
      "",
      "Try (from the repository: npx ironic-compute …, or ./bin/ironic-compute.js …):",
      "  ironic-compute server create --flavor baremetal --image demo --network demo --wait demo-1",
      "  ironic-compute server list",
      "  ironic-compute node list",
      "",
      `The OpenStack CLI (python3-openstackclient) works too, with ${cloudsFile}:`,
      `  Keystone v3 password auth (token and catalog from ${running.api.url}/identity/v3), cloud ${CLOUD_NAME}:`,
      `  ${osc} ${CLOUD_NAME} server list`,
      `  ${osc} ${CLOUD_NAME} server create --flavor baremetal --image demo --network demo --wait demo-2`,
      `  ${osc} ${CLOUD_NAME} application credential create my-app   (then auth_type v3applicationcredential)`,
      `  HTTP Basic auth, no Keystone (endpoints given), cloud ${BASIC_CLOUD_NAME}:`,
      `  ${osc} ${BASIC_CLOUD_NAME} server list`,
      "",
      "Stop: Ctrl-C",
      "",
    ].join("\n"),
  );

  const signals = untilSignal();
  await signals.signal;
  log.info("stopping");
  await running.stop();
  await ironic.stop();
  signals.release();
  // Anything still holding the event loop must not keep a stopped demo alive.
  setTimeout(() => process.exit(0), 2_000).unref();
}
