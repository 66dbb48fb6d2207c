// A ComputeApi stand-in for tests of the HTTP edge (auth, versions, errors,
// shapes) that need no Ironic: users are fixed, servers live in a map, and
// every method not given in `overrides` answers NotFound.
import type { Caller, ComputeApi, ServerListFilter, ServerView } from "../../src/compute/contract.js";
import { BadRequestError, NotFoundError } from "../../src/compute/contract.js";
import { fakeHardwareFlavor } from "../../src/dev/demo-catalog.js";
import type { FlavorRecord } from "../../src/store/records.js";
import { FAKE_PASSWORD } from "./basic-header.js";

export { basicHeader, FAKE_PASSWORD } from "./basic-header.js";

export const FAKE_USERS: Record<string, Omit<Caller, "requestId">> = {
  alice: { userId: "u-alice", userName: "alice", projectId: "p-one", role: "member" },
  bob: { userId: "u-bob", userName: "bob", projectId: "p-two", role: "member" },
  rita: { userId: "u-rita", userName: "rita", projectId: "p-one", role: "reader" },
  root: { userId: "u-root", userName: "root", projectId: "p-admin", role: "admin" },
};

export const FAKE_FLAVOR: FlavorRecord = {
  id: "1",
  ...fakeHardwareFlavor({ name: "bm.small", resourceClass: "baremetal", requiredTraits: ["CUSTOM_GOLD"], capabilities: { boot_mode: "uefi" } }),
  createdAt: "2026-01-01T00:00:00.000Z",
};

export function fakeServer(id: string, projectId: string): ServerView {
  return {
    id,
    name: `server-${id.slice(0, 4)}`,
    hostname: `server-${id.slice(0, 4)}`,
    projectId,
    userId: "u-alice",
    flavorId: FAKE_FLAVOR.id,
    imageId: "5f0f9e4e-0000-4000-8000-000000000001",
    keyName: null,
    nodeUuid: "9a1b2c3d-0000-4000-8000-00000000000a",
    vmState: "active",
    taskState: null,
    powerState: "running",
    progress: 100,
    networks: { kind: "none", vifs: [] },
    blockDevices: [],
    metadata: { role: "web" },
    userData: "c2VjcmV0LXVzZXItZGF0YQ==",
    availabilityZone: "nova",
    fault: null,
    launchedAt: "2026-01-01T00:01:00.000Z",
    createdAt: "2026-01-01T00:00:00.123Z",
    updatedAt: "2026-01-01T00:01:00.456Z",
    deletedAt: null,
    description: null,
    locked: false,
    lockedBy: null,
    lockedReason: null,
    accessIPv4: null,
    accessIPv6: null,
    diskConfig: "MANUAL",
    reservationId: null,
    launchIndex: 0,
    tags: [],
    flavor: FAKE_FLAVOR,
    hypervisorHostname: "9a1b2c3d-0000-4000-8000-00000000000a",
    queuePosition: null,
    serverGroups: [],
    addresses: {},
  };
}

type Overrides = { [K in keyof ComputeApi]?: ComputeApi[K] extends (...args: never[]) => unknown ? ComputeApi[K] : Partial<ComputeApi[K]> };

const missing = (): Promise<never> => Promise.reject(new NotFoundError("not in this fake"));

export function fakeCompute(
  overrides: Overrides = {},
  servers: ServerView[] = [],
): ComputeApi & { authentications: number; removeUser(name: string): void } {
  const users = new Map(Object.entries(FAKE_USERS));
  const removalListeners: Array<(userId: string) => void> = [];
  const visible = (caller: Caller, id: string): ServerView => {
    const server = servers.find((candidate) => candidate.id === id);
    if (server === undefined || (caller.role !== "admin" && server.projectId !== caller.projectId)) {
      throw new NotFoundError(`Instance ${id} could not be found.`);
    }
    return server;
  };
  const api = {
    authentications: 0,
    authenticate: overrides.authenticate ?? (async (user: string, password: string) => {
      api.authentications++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      const found = users.get(user);
      return found !== undefined && password === FAKE_PASSWORD ? found : undefined;
    }),
    servers: {
      create: missing,
      // No view version: the API keeps no list answer of this fake.
      viewVersion: () => Promise.resolve(undefined),
      // The filters the real compute hands to the store, done here on the given list (in its order; no sort).
      list: (caller: Caller, filter: ServerListFilter) => {
        // As before these filters: an admin sees every project's servers here.
        const visible = servers.filter((server) =>
          caller.role === "admin" ? filter.projectId === undefined || server.projectId === filter.projectId : server.projectId === caller.projectId,
        );
        if (filter.marker !== undefined && !visible.some((server) => server.id === filter.marker)) return Promise.reject(new BadRequestError(`marker [${filter.marker}] not found`));
        const after = filter.marker === undefined ? visible : visible.slice(visible.findIndex((server) => server.id === filter.marker) + 1);
        const kept = after.filter(
          (server) =>
            (filter.keep === undefined || filter.keep(server)) &&
            (filter.imageId === undefined || server.imageId === filter.imageId) &&
            (filter.flavorId === undefined || server.flavorId === filter.flavorId),
        );
        return Promise.resolve(kept.slice(0, filter.limit));
      },
      get: (caller: Caller, id: string) => Promise.resolve(visible(caller, id)),
      delete: (caller: Caller, id: string) => Promise.resolve(visible(caller, id)).then(() => undefined),
      act: (caller: Caller, id: string) => Promise.resolve(visible(caller, id)).then(() => ({})),
      serialConsole: missing,
      interfaces: missing,
      attachInterface: missing,
      detachInterface: missing,
      actions: missing,
      action: missing,
      update: missing,
      metadata: missing,
      metadataItem: missing,
      setMetadata: missing,
      deleteMetadataItem: missing,
      tags: missing,
      hasTag: missing,
      replaceTags: missing,
      addTag: missing,
      removeTag: missing,
      removeAllTags: missing,
      lock: missing,
      unlock: missing,
      resetState: missing,
      triggerCrashDump: missing,
      ...overrides.servers,
    },
    flavors: { list: () => Promise.resolve([FAKE_FLAVOR]), get: missing, create: missing, delete: missing, setExtraSpecs: missing, deleteExtraSpec: missing, ...overrides.flavors },
    images: { list: () => Promise.resolve([]), get: missing, create: missing, delete: missing, ...overrides.images },
    keypairs: { create: missing, list: () => Promise.resolve([]), get: missing, delete: missing, ...overrides.keypairs },
    projects: { create: missing, list: () => Promise.resolve([]), visible: () => Promise.resolve([]), delete: missing, ...overrides.projects },
    users: { create: missing, list: () => Promise.resolve([]), get: missing, update: missing, changeOwnPassword: missing, delete: missing, ...overrides.users },
    // No identity tokens here: every token is unknown.
    tokens: { issue: missing, validate: () => Promise.resolve(undefined), revoke: missing, scopes: missing, ...overrides.tokens },
    applicationCredentials: { create: missing, list: missing, get: missing, delete: missing, ...overrides.applicationCredentials },
    serverGroups: { create: missing, list: missing, get: missing, delete: missing, ...overrides.serverGroups },
    // No console tokens here: every token is unknown.
    consoles: { redeem: () => Promise.resolve(undefined), limits: { tokenTtlMs: 600_000, idleTimeoutMs: 900_000, maxSessionMs: 14_400_000 }, ...overrides.consoles },
    volumes: { register: missing, list: missing, get: missing, update: missing, delete: missing, usage: missing, ...overrides.volumes },
    quotas: { defaults: missing, show: missing, detail: missing, update: missing, reset: missing, ...overrides.quotas },
    audit: { list: missing, ...overrides.audit },
    network: {
      quota: missing,
      networks: { list: () => Promise.resolve([]), get: missing, create: missing, update: missing, delete: missing },
      subnets: { list: () => Promise.resolve([]), get: missing, create: missing, update: missing, delete: missing },
      ports: { list: () => Promise.resolve([]), get: missing, create: missing, update: missing, delete: missing },
      ...overrides.network,
    },
    nodes: { list: () => Promise.resolve([]), get: missing, ...overrides.nodes },
    // No driver and no reconciler here: /metrics has no node or reconciler source.
    metrics: { ...overrides.metrics },
    health: { readiness: () => Promise.resolve({ ready: true, checks: [] }), status: missing, ...overrides.health },
    externalEvents: overrides.externalEvents ?? (() => Promise.resolve([])),
    onUserRemoved: (listener: (userId: string) => void) => {
      removalListeners.push(listener);
    },
    /** As if an admin deleted the user. */
    removeUser: (name: string) => {
      const removed = users.get(name);
      users.delete(name);
      if (removed !== undefined) for (const listener of removalListeners) listener(removed.userId);
    },
  };
  return api;
}
