// The compute service: binds the store, the driver, the scheduler, the task
// runner, the reconciler and worker membership into one ComputeApi, and runs the
// periodic loops (heartbeat, reconcile) while started.
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { driverConfigSchema } from "../driver/config.js";
import { IronicDriver } from "../driver/driver.js";
import { availability } from "../driver/availability.js";
import { powerFromEvent } from "../driver/power.js";
import { CONFIG_DRIVE_LIMITS } from "../driver/config-drive/limits.js";
import type { IronicClient } from "../driver/ironic-exports.js";
import type { Logger } from "../log/logger.js";
import { inSpan, noopObserver, type ServiceObserver } from "../log/telemetry.js";
import { ROOT_CONTEXT } from "@opentelemetry/api";
import { StaleStateError, type Store } from "../store/store.js";
import { AdminAudit } from "./admin-audit.js";
import { Catalog } from "./catalog.js";
import { nowIso } from "./clock.js";
import { computeConfigSchema } from "./config.js";
import {
  NotFoundError,
  type Caller,
  type ComputeApi,
  type ExternalEvent,
  type ExternalEventResult,
  type NodeStateCount,
  type NodeSummary,
  type ReconcilerStats,
} from "./contract.js";
import { Identity } from "./identity.js";
import { PasswordWorkers } from "./password-workers.js";
import { ApplicationCredentials } from "./application-credentials.js";
import { Tokens } from "./tokens.js";
import { requireAdmin, requireService } from "./policy.js";
import { OnePassAtATime } from "./one-pass.js";
import { Readiness } from "./readiness.js";
import { Reconciler, type ReconcileReport } from "./reconciler.js";
import { inventoryOf, Scheduler } from "./scheduler.js";
import { failureDomainKey } from "./server-group-policy.js";
import { ServerGroups } from "./server-groups.js";
import { Networks } from "./networks.js";
import { Ports } from "./ports.js";
import { Volumes } from "./volumes.js";
import { ServerDetails } from "./server-details.js";
import { ServerInstantActions } from "./server-instant-actions.js";
import { ServerNetworks } from "./server-networks.js";
import { ServerPorts } from "./server-ports.js";
import { checkMetadata, Servers } from "./servers.js";
import { ConsoleTokens } from "./console-tokens.js";
import { Quotas } from "./quotas.js";
import { TaskRunner } from "./task-runner.js";
import { defaultWorkerId, Membership } from "./workers.js";
import type { CachedNode } from "../driver/availability.js";

export interface ComputeService extends ComputeApi {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Creates the project and admin user when they do not exist yet (first start). */
  bootstrapAdmin(admin: { project: string; user: string; password: string }): Promise<void>;
  /** One reconcile pass now (also run periodically), after any pass still running. */
  reconcile(): Promise<ReconcileReport>;
  readonly workerId: string;
  readonly driver: IronicDriver;
  readonly membership: Membership;
  /** A server's ports: allocate, claim, bind, list, release (issue 12 item 3). */
  readonly serverPorts: ServerPorts;
}

export interface ComputeServiceOptions {
  store: Store;
  ironic: IronicClient;
  /** Parsed here: defaults fill what is left out. */
  driver: z.input<typeof driverConfigSchema>;
  compute: z.input<typeof computeConfigSchema>;
  log: Logger;
  /** Metrics and spans of tasks and reconcile passes (default: none). */
  observer?: ServiceObserver;
}

export function createComputeService(options: ComputeServiceOptions): Promise<ComputeService> {
  const { store, log } = options;
  const observer = options.observer ?? noopObserver;
  const compute = computeConfigSchema.parse(options.compute);
  const onStep = observer.driverStep === undefined ? undefined : observer.driverStep.bind(observer);
  const driver = new IronicDriver(options.ironic, driverConfigSchema.parse(options.driver), log, undefined, onStep);
  const workerId = compute.workerId ?? defaultWorkerId();
  const membership = new Membership(store, workerId, compute.workerTimeoutMs, log);
  const passwords = new PasswordWorkers({ workers: compute.passwordWorkers, queueLimit: compute.passwordQueue });
  const identity = new Identity(store, passwords);
  const tokens = new Tokens(store, passwords, (ref, password) => identity.verifyPassword(ref, password), {
    ttlSeconds: compute.tokenTtlSeconds,
    maxLivePerUser: compute.maxLiveTokensPerUser,
  });
  const applicationCredentials = new ApplicationCredentials(store, passwords, compute.maxApplicationCredentialsPerUser);
  const catalog = new Catalog(store, compute);
  const serverGroups = new ServerGroups(store, compute.serverGroups);
  const volumes = new Volumes(store);
  const networks = new Networks(store);
  const ports = new Ports(store, networks);
  const serverPorts = new ServerPorts(store, ports);
  const serverNetworks = new ServerNetworks(store, networks, serverPorts);
  const servers = new Servers(store, catalog, driver, compute, serverGroups, serverNetworks, volumes);
  const instantActions = new ServerInstantActions(store, driver);
  const consoleTokens = new ConsoleTokens({
    tokenTtlMs: compute.serialConsole.tokenTtlSeconds * 1000,
    idleTimeoutMs: compute.serialConsole.idleTimeoutSeconds * 1000,
    maxSessionMs: compute.serialConsole.maxSessionSeconds * 1000,
  });
  const details = new ServerDetails(store, (caller, server) => servers.view(caller, server), checkMetadata);
  const quotas = new Quotas(store, compute.quotas, {
    keyPairs: compute.maxKeypairsPerUser,
    metadataItems: CONFIG_DRIVE_LIMITS.metadataItems,
    serverGroups: compute.serverGroups.maxPerProject,
    serverGroupMembers: compute.serverGroups.maxMembers,
  });
  const audit = new AdminAudit(store);
  const scheduler = new Scheduler(driver, compute.schedulerAttempts, log, failureDomainKey(compute.serverGroups.failureDomain));
  const runner = new TaskRunner({ store, driver, scheduler, networks: serverNetworks, volumes, log, observer }, workerId, compute, log);
  const readiness = new Readiness({
    store,
    ironic: options.ironic,
    workerTimeoutMs: compute.workerTimeoutMs,
    lastLeaseLoopAt: () => runner.lastIterationAt,
    lastHeartbeatAt: () => membership.lastBeatAt,
    log,
  });
  const reconciler = new Reconciler(store, driver, membership, log);
  const timers: NodeJS.Timeout[] = [];

  const summary = async (node: CachedNode): Promise<NodeSummary> => {
    const inventory = inventoryOf(node, log);
    const state = availability(node);
    const server = node.instance_uuid === null ? undefined : await store.servers.get(node.instance_uuid, { includeDeleted: true });
    const claim = node.instance_uuid === null ? null : server === undefined ? "unknown" : "ours";
    return {
      uuid: node.uuid,
      name: node.name,
      resourceClass: node.resource_class,
      provisionState: node.provision_state === "unknown" ? (node.unknown_states?.provision_state ?? "unknown") : node.provision_state,
      powerState: node.power_state,
      maintenance: node.maintenance,
      available: state.available && node.instance_uuid === null,
      reason: state.available ? (claim === null ? null : claim === "ours" ? "in use" : "claimed by an instance this service has no record of") : state.reason,
      serverId: server !== undefined && server.deletedAt === null ? server.id : null,
      instanceUuid: node.instance_uuid,
      claim,
      cpus: inventory.properties.cpus,
      memoryMb: inventory.properties.memoryMb,
      localGb: inventory.properties.localGb,
      cpuArch: inventory.properties.cpuArch,
      traits: node.traits,
      owner: node.owner,
      lessee: node.lessee,
    };
  };

  const handleEvent = async (event: ExternalEvent): Promise<ExternalEventResult> => {
    if (event.name !== "power-update" || (event.tag !== "POWER_ON" && event.tag !== "POWER_OFF")) return { ...event, code: 422 };
    const server = await store.servers.get(event.serverUuid);
    if (server === undefined) return { ...event, code: 404 };
    try {
      await reconciler.syncPower(server, powerFromEvent(event.tag));
    } catch (error) {
      // An operation started meanwhile: it sets the power state itself.
      if (!(error instanceof StaleStateError)) throw error;
    }
    return { ...event, code: 200 };
  };

  // One reconcile pass at a time: ticks during a pass are skipped and counted.
  const passes = new OnePassAtATime(async () => {
    const started = performance.now();
    let outcome: "ok" | "error" = "error";
    try {
      const report = await inSpan(observer.tracer, "reconcile pass", {}, () => reconciler.reconcile(), ROOT_CONTEXT);
      outcome = "ok";
      if (report.releasesQueued > 0) runner.poke();
      return report;
    } finally {
      observer.reconcilePass({ seconds: (performance.now() - started) / 1000, outcome });
    }
  });
  const reconcileTick = async (): Promise<unknown> => {
    const pass = passes.tick();
    if (pass === undefined) {
      observer.reconcileSkipped();
      log.warn({ skippedTicks: passes.skipped }, "the previous reconcile pass is still running; skipping this tick");
    }
    return pass;
  };

  const reconcilerStats = (): ReconcilerStats => ({ skippedTicks: passes.skipped, leftAlone: reconciler.leftAlone });

  const service: ComputeService = {
    workerId,
    driver,
    membership,
    serverPorts,
    authenticate: (name, password) => identity.authenticate(name, password),
    onUserRemoved: (listener) => {
      identity.onUserRemoved(listener);
    },
    servers: {
      create: async (caller, request) => {
        const server = await servers.create(caller, request);
        runner.poke();
        return server;
      },
      list: (caller, filter) => servers.list(caller, filter),
      viewVersion: () => servers.viewVersion(),
      get: (caller, id) => servers.get(caller, id),
      delete: async (caller, id) => {
        const { superseded } = await servers.delete(caller, id);
        // If this process runs the superseded task, it stops now (others learn at their next renewal).
        if (superseded !== null) runner.cancel(superseded);
        runner.poke();
      },
      act: async (caller, id, action) => {
        const result = await servers.act(caller, id, action);
        runner.poke();
        return result;
      },
      serialConsole: async (caller, id) => {
        const { requestId: _requestId, ...who } = caller;
        return consoleTokens.issue({ serverId: id, caller: who, ...(await servers.serialConsole(caller, id)) });
      },
      interfaces: (caller, id) => servers.interfaces(caller, id),
      attachInterface: (caller, id, request) => servers.attachInterface(caller, id, request),
      detachInterface: (caller, id, portId) => servers.detachInterface(caller, id, portId),
      actions: (caller, id) => servers.actions(caller, id),
      action: (caller, id, requestId) => servers.action(caller, id, requestId),
      update: (caller, id, update) => details.update(caller, id, update),
      metadata: (caller, id) => details.metadata(caller, id),
      metadataItem: (caller, id, key) => details.metadataItem(caller, id, key),
      setMetadata: (caller, id, items, mode) => details.setMetadata(caller, id, items, mode),
      deleteMetadataItem: (caller, id, key) => details.deleteMetadataItem(caller, id, key),
      tags: (caller, id) => details.tags(caller, id),
      hasTag: (caller, id, tag) => details.hasTag(caller, id, tag),
      replaceTags: (caller, id, tags) => details.replaceTags(caller, id, tags),
      addTag: (caller, id, tag) => details.addTag(caller, id, tag),
      removeTag: (caller, id, tag) => details.removeTag(caller, id, tag),
      removeAllTags: (caller, id) => details.removeAllTags(caller, id),
      lock: (caller, id, reason) => details.lock(caller, id, reason),
      unlock: (caller, id) => details.unlock(caller, id),
      resetState: (caller, id, state) => instantActions.resetState(caller, id, state),
      triggerCrashDump: (caller, id) => instantActions.triggerCrashDump(caller, id),
    },
    volumes: {
      register: (caller, registration) => volumes.register(caller, registration),
      list: (caller, filter) => volumes.list(caller, filter),
      get: (caller, id) => volumes.get(caller, id),
      update: (caller, id, update) => volumes.update(caller, id, update),
      delete: (caller, id) => volumes.delete(caller, id),
      usage: (caller, projectId) => volumes.usage(caller, projectId),
    },
    consoles: {
      // The server is looked up again as the token's caller: deleted, or moved
      // out of sight since the token was issued, and the token is worth nothing.
      redeem: async (token) => {
        const grant = consoleTokens.redeem(token);
        if (grant === undefined) return undefined;
        try {
          await servers.get({ ...grant.caller, requestId: `req-${randomUUID()}` }, grant.serverId);
        } catch (error) {
          if (error instanceof NotFoundError) return undefined;
          throw error;
        }
        return grant;
      },
      limits: consoleTokens.limits,
    },
    serverGroups: {
      create: (caller, request) => serverGroups.create(caller, request),
      list: (caller, filter) => serverGroups.list(caller, filter),
      get: (caller, id) => serverGroups.get(caller, id),
      delete: (caller, id) => serverGroups.delete(caller, id),
    },
    flavors: {
      list: (caller) => catalog.listFlavors(caller),
      get: (caller, id) => catalog.getFlavor(caller, id),
      create: (caller, flavor) => catalog.createFlavor(caller, flavor),
      delete: (caller, id) => catalog.deleteFlavor(caller, id),
      setExtraSpecs: (caller, id, specs) => catalog.setFlavorExtraSpecs(caller, id, specs),
      deleteExtraSpec: (caller, id, key) => catalog.deleteFlavorExtraSpec(caller, id, key),
    },
    images: {
      list: (caller, page) => catalog.listImages(caller, page),
      get: (caller, id) => catalog.getImage(caller, id),
      create: (caller, image) => catalog.createImage(caller, image),
      delete: (caller, id) => catalog.deleteImage(caller, id),
    },
    keypairs: {
      create: (caller, name, publicKey, options) => catalog.createKeypair(caller, name, publicKey, options),
      list: (caller, userId) => catalog.listKeypairs(caller, userId),
      get: (caller, name, userId) => catalog.getKeypair(caller, name, userId),
      delete: (caller, name, userId) => catalog.deleteKeypair(caller, name, userId),
    },
    projects: {
      create: (caller, name, description) => identity.createProject(caller, name, description),
      list: (caller) => identity.listProjects(caller),
      visible: (caller) => identity.visibleProjects(caller),
      delete: (caller, id) => identity.deleteProject(caller, id),
    },
    users: {
      create: (caller, user) => identity.createUser(caller, user),
      list: (caller) => identity.listUsers(caller),
      get: (caller, id) => identity.getUser(caller, id),
      update: (caller, id, patch) => identity.updateUser(caller, id, patch),
      changeOwnPassword: (caller, userId, original, password) => identity.changeOwnPassword(caller, userId, original, password),
      delete: (caller, id) => identity.deleteUser(caller, id),
    },
    tokens: {
      issue: (credentials, scope) => tokens.issue(credentials, scope),
      validate: (token) => tokens.validate(token),
      revoke: (caller, token) => tokens.revoke(caller, token),
      scopes: (caller, userId) => identity.scopesOf(caller, userId),
    },
    applicationCredentials: {
      create: (caller, userId, request) => applicationCredentials.create(caller, userId, request),
      list: (caller, userId, name) => applicationCredentials.list(caller, userId, name),
      get: (caller, userId, id) => applicationCredentials.get(caller, userId, id),
      delete: (caller, userId, id) => applicationCredentials.delete(caller, userId, id),
    },
    quotas: {
      defaults: (caller, projectId) => quotas.defaults(caller, projectId),
      show: (caller, projectId) => quotas.show(caller, projectId),
      detail: (caller, projectId) => quotas.detail(caller, projectId),
      update: (caller, projectId, change) => quotas.update(caller, projectId, change),
      reset: (caller, projectId) => quotas.reset(caller, projectId),
    },
    audit: {
      list: (caller, filter) => audit.list(caller, filter),
    },
    network: { quota: (caller, projectId) => networks.quota(caller, projectId), networks: networks.networks, subnets: networks.subnets, ports: ports.ports },
    nodes: {
      list: async (caller: Caller) => {
        requireAdmin(caller);
        return Promise.all((await driver.cache.all()).map(summary));
      },
      get: async (caller: Caller, uuid: string) => {
        requireAdmin(caller);
        const node = await driver.cache.get(uuid);
        if (node === undefined) throw new NotFoundError(`Hypervisor ${uuid} could not be found.`);
        return summary(node);
      },
    },
    health: {
      readiness: () => readiness.check(),
      status: async (caller) => {
        requireAdmin(caller);
        const [report, nodes, servers] = await Promise.all([readiness.check(), Promise.all((await driver.cache.all()).map(summary)), store.servers.countLive()]);
        return {
          ...report,
          workerId,
          liveWorkers: membership.liveWorkers,
          nodes: {
            total: nodes.length,
            available: nodes.filter((node) => node.available).length,
            claimedUnknown: nodes.filter((node) => node.claim === "unknown").length,
          },
          servers,
        };
      },
    },
    externalEvents: async (caller, events) => {
      requireService(caller);
      return Promise.all(events.map(handleEvent));
    },
    metrics: {
      nodeStates: async () => countNodeStates(await driver.cache.all()),
      reconciler: reconcilerStats,
      deploys: async () => {
        const active = (await store.tasks.listActive()).filter((task) => task.kind === "create");
        return { inFlight: active.filter((task) => task.status === "running").length, queued: active.filter((task) => task.status === "pending").length };
      },
    },
    reconcile: () => passes.run(),
    bootstrapAdmin: async (admin) => {
      let project = await store.projects.getByName(admin.project);
      if (project === undefined) {
        project = { id: randomUUID(), name: admin.project, description: "administrators", createdAt: nowIso() };
        await store.projects.create(project);
      }
      if ((await store.users.getByName(admin.user)) === undefined) {
        await identity.addUser({ name: admin.user, password: admin.password, projectId: project.id, role: "admin" });
      }
    },
    start: async () => {
      await membership.beat();
      runner.start();
      const every = (ms: number, work: () => Promise<unknown>, what: string) => {
        const timer = setInterval(() => {
          work().catch((error: unknown) => { log.error({ err: error }, `${what} failed; will retry`); });
        }, ms);
        timers.push(timer);
      };
      every(compute.heartbeatIntervalMs, () => membership.beat(), "heartbeat");
      every(compute.reconcileIntervalMs, reconcileTick, "reconcile");
      log.info({ worker: workerId }, "compute service started");
    },
    stop: async () => {
      for (const timer of timers) clearInterval(timer);
      timers.length = 0;
      await runner.stop();
      await passes.idle();
      await membership.leave();
      await passwords.close();
      log.info({ worker: workerId }, "compute service stopped");
    },
  };
  return Promise.resolve(service);
}

/** Nodes counted by raw provision state and availability, in the order first seen. */
function countNodeStates(nodes: readonly CachedNode[]): NodeStateCount[] {
  const counts = new Map<string, NodeStateCount>();
  for (const node of nodes) {
    const available = availability(node).available && node.instance_uuid === null;
    const key = `${node.provision_state}\u0000${String(available)}`;
    const entry = counts.get(key) ?? { provisionState: node.provision_state, available, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  return [...counts.values()];
}
