// Server requests: validate, check state and ownership, record the action, and
// hand the long work to a durable task. Nothing here waits on Ironic except the
// serial console, which is a read.
import { randomInt, randomUUID } from "node:crypto";
import { validateMetadata } from "../driver/config-drive/index.js";
import type { IronicDriver } from "../driver/driver.js";
import { DriverError, InvalidInputError } from "../driver/errors.js";
import { sanitizeHostname } from "../driver/config-drive/hostname.js";
import type { FlavorRecord, ServerBlockDevice, ServerRecord, TaskKind, TaskState, VmState } from "../store/records.js";
import {
  OverQuotaError,
  SERVER_GROUP_MEMBERS_RESOURCE,
  ServerBusyError,
  StaleStateError,
  UnknownServerGroupError,
  type ServerListFields,
  type Store,
} from "../store/store.js";
import { Audit, actionRecord } from "./audit.js";
import { taskRecord } from "./tasks.js";
import type { Catalog } from "./catalog.js";
import { creationIso, nowIso } from "./clock.js";
import { isPrintableName } from "./names.js";
import { allowedCount, quotaClaim, quotaExceeded } from "./quotas.js";
import { schedulingRequest } from "./flavor-scheduling.js";
import { groupNotFound, type ServerGroups } from "./server-groups.js";
import type { InterfaceAttachment, InterfaceRequest, PlugIn, ServerAddress, ServerNetworks } from "./server-networks.js";
import type { Volumes } from "./volumes.js";
import type { ComputeConfig } from "./config.js";
import {
  BadRequestError,
  COMPUTE_HOST,
  ConflictError,
  NotFoundError,
  QuotaExceededError,
  type Caller,
  type CreatedServer,
  type CreateServerRequest,
  type ServerAction,
  type ServerListFilter,
  type ServerView,
} from "./contract.js";
import { requireMember, requireReader, requireUnlocked, requireVisible } from "./policy.js";
import { isBase64UserData, MAX_USER_DATA_BYTES } from "./user-data.js";
import { searchPattern } from "./search-pattern.js";

/** Nova's action names, as its 409 messages and instance actions use them. */
const ACTION_NAMES: Record<ServerAction["type"], string> = {
  reboot: "reboot",
  stop: "stop",
  start: "start",
  rebuild: "rebuild",
  rescue: "rescue",
  unrescue: "unrescue",
};

interface Transition {
  from: readonly VmState[];
  taskState: TaskState;
  kind: TaskKind;
}

function transition(action: ServerAction): Transition {
  switch (action.type) {
    case "reboot":
      return action.hard
        ? { from: ["active", "stopped", "error"], taskState: "rebooting_hard", kind: "reboot" }
        : { from: ["active"], taskState: "rebooting", kind: "reboot" };
    case "stop":
      return { from: ["active", "error"], taskState: "powering-off", kind: "stop" };
    case "start":
      return { from: ["stopped"], taskState: "powering-on", kind: "start" };
    case "rebuild":
      return { from: ["active", "stopped", "error"], taskState: "rebuilding", kind: "rebuild" };
    case "rescue":
      return { from: ["active", "stopped", "error"], taskState: "rescuing", kind: "rescue" };
    case "unrescue":
      return { from: ["rescued"], taskState: "unrescuing", kind: "unrescue" };
  }
}

function checkUserData(userData: string | undefined): string | null {
  if (userData === undefined) return null;
  if (!isBase64UserData(userData)) throw new BadRequestError("user_data must be base64-encoded");
  const bytes = Buffer.from(userData, "base64");
  if (bytes.length > MAX_USER_DATA_BYTES) {
    throw new BadRequestError(`user_data is ${bytes.length} bytes once decoded; the limit is ${MAX_USER_DATA_BYTES}`);
  }
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    if (error instanceof TypeError) throw new BadRequestError("user_data must be UTF-8 text once decoded");
    throw error;
  }
  return bytes.toString("base64");
}

/**
 * The name and user_data of a rebuild, checked as create checks them. The new
 * user_data goes into the server record, which the rebuild task reads to build
 * the config drive it deploys; null removes it, absent keeps it (Nova 2.57).
 */
function checkRebuildInput(action: Extract<ServerAction, { type: "rebuild" }>): { name?: string; userData?: string | null } {
  if (action.name !== undefined && !isPrintableName(action.name)) throw new BadRequestError("Invalid server name: 1-255 printable characters");
  return {
    ...(action.name === undefined ? {} : { name: action.name }),
    ...(action.userData === undefined ? {} : { userData: action.userData === null ? null : checkUserData(action.userData) }),
  };
}

export function checkMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  try {
    return validateMetadata(metadata ?? {});
  } catch (error) {
    if (error instanceof InvalidInputError) throw new BadRequestError(error.message);
    throw error;
  }
}

/** Nova's password symbol groups: digits, upper and lower case, without the look-alikes (0, 1, I, O, l). */
const PASSWORD_GROUPS = ["23456789", "ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz"] as const;
/** Nova's password_length default. */
const PASSWORD_LENGTH = 12;

function pick(symbols: string): string {
  return symbols.charAt(randomInt(symbols.length));
}

/** An admin password as Nova's generate_password makes one: one symbol of each group at least, from a CSPRNG. */
export function generatePassword(length = PASSWORD_LENGTH): string {
  const chars = PASSWORD_GROUPS.map(pick);
  const all = PASSWORD_GROUPS.join("");
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const swap = chars[i] ?? "";
    chars[i] = chars[j] ?? "";
    chars[j] = swap;
  }
  return chars.join("");
}

/** Nova's reservation ids: "r-" and 8 random characters of [0-9a-z]. */
function reservationId(): string {
  const symbols = "0123456789abcdefghijklmnopqrstuvwxyz";
  return `r-${Array.from({ length: 8 }, () => pick(symbols)).join("")}`;
}

/**
 * How long the tasks of a multi-create's other servers wait for the first
 * one's task to place them all (it releases them as soon as it has): past it
 * they place themselves, so a request whose first task died for good still builds.
 */
const SIBLING_HOLD_MS = 3_600_000;

/** The counts of a create, checked as Nova checks them (the API has checked they are integers ≥ 1). */
function checkCounts(request: CreateServerRequest, bound: number): { min: number; max: number } {
  const min = request.minCount ?? 1;
  const max = request.maxCount ?? min;
  if (min < 1 || max < 1) throw new BadRequestError("min_count and max_count must be integers of at least 1");
  if (min > max) throw new BadRequestError("min_count must be <= max_count");
  if (min > bound) throw new BadRequestError(`min_count may be at most ${bound} here (compute.maxServersPerRequest)`);
  const many = min > 1 || max > 1;
  if (many && (request.volumes ?? []).length > 0) throw new BadRequestError("Cannot attach one or more volumes to multiple instances");
  if (max > 1 && Array.isArray(request.networks)) {
    if (request.networks.some((entry) => entry.port !== undefined)) {
      throw new BadRequestError("Failed to launch instances: Unable to launch multiple instances with a single configured port ID. Please launch your instance one by one with different ports.");
    }
    if (request.networks.some((entry) => entry.fixedIp !== undefined)) {
      throw new BadRequestError("Failed to launch instances: max_count cannot be greater than 1 if an fixed_ip is specified.");
    }
  }
  if (max > 1 && request.hostname !== undefined) throw new BadRequestError("Unable to allocate a single hostname to multiple instances");
  return { min, max: Math.min(max, bound) };
}

/** Without a network service the one security group is "default" (Nova's text for a group Neutron does not know). */
function checkSecurityGroups(names: readonly string[] | undefined): void {
  for (const name of names ?? []) {
    if (name !== "default") throw new BadRequestError(`Unable to find security_group with name or id '${name.slice(0, 255)}'`);
  }
}

const byName = (matches: (text: string) => boolean) => (server: ServerListFields) => matches(server.name);
const byNode = (matches: (text: string) => boolean) => (server: ServerListFields) => server.nodeUuid !== null && matches(server.nodeUuid);

/** All of `tests` at once; undefined when there are none (the store then reads one page, not batches). */
function recordTest(tests: ReadonlyArray<(server: ServerListFields) => boolean>): ((server: ServerListFields) => boolean) | undefined {
  return tests.length === 0 ? undefined : (server) => tests.every((test) => test(server));
}

/**
 * The server's view may show a deploy queue position, which comes from the tasks
 * (the view version does not follow them): an answer showing it is not kept.
 */
export function mayWaitForDeploySlot(server: Pick<ServerRecord, "taskState">): boolean {
  return server.taskState === "scheduling" || server.taskState === "rebuilding";
}

export class Servers {
  private readonly audit: Audit;

  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly driver: IronicDriver,
    private readonly config: ComputeConfig,
    private readonly groups: ServerGroups,
    private readonly networks: ServerNetworks,
    private readonly volumes: Volumes,
  ) {
    this.audit = new Audit(store);
  }

  /** `page`: what a list read for all its servers at once (else read here). */
  async view(
    caller: Caller,
    server: ServerRecord,
    page?: { tags: Map<string, string[]>; groups: Map<string, string>; flavors: Map<string, FlavorRecord>; addresses: Map<string, Record<string, ServerAddress[]>> },
  ): Promise<ServerView> {
    const tags = page?.tags ?? (await this.store.serverTags.forServers([server.id]));
    const groups = page?.groups ?? (await this.store.serverGroups.ofServers([server.id]));
    const group = groups.get(server.id);
    return {
      ...server,
      flavor: page === undefined ? await this.store.flavors.get(server.flavorId) : page.flavors.get(server.flavorId),
      hypervisorHostname: caller.role === "admin" ? server.nodeUuid : null,
      tags: tags.get(server.id) ?? [],
      queuePosition: await this.queuePosition(server),
      serverGroups: group === undefined ? [] : [group],
      addresses: page?.addresses.get(server.id) ?? (await this.networks.addresses(server)),
    };
  }

  /** Only a server whose deploy has not started can wait for the cap: no query for the others. */
  private async queuePosition(server: ServerRecord): Promise<number | null> {
    if (!mayWaitForDeploySlot(server) || this.config.maxConcurrentDeploys === 0) return null;
    return this.store.tasks.queuePosition(server.id);
  }

  /** The store's view version (store.viewVersion): what an answer cache of the lists keys on. */
  viewVersion(): Promise<number | undefined> {
    return this.store.viewVersion();
  }

  private async visible(caller: Caller, id: string): Promise<ServerRecord> {
    return requireVisible(caller, await this.store.servers.get(id), "Instance", id);
  }

  /** Nova's os-interface: the server's ports. */
  async interfaces(caller: Caller, id: string): Promise<InterfaceAttachment[]> {
    return this.networks.interfaces(await this.visible(caller, id));
  }

  /** Nova's attach_interface / detach_interface: on a server that holds its node, with no task running. */
  async attachInterface(caller: Caller, id: string, request: InterfaceRequest): Promise<InterfaceAttachment> {
    const server = await this.pluggable(caller, id, "attach_interface");
    return this.networks.attach(caller, server, request, this.plugIn(server));
  }

  async detachInterface(caller: Caller, id: string, portId: string): Promise<void> {
    const server = await this.pluggable(caller, id, "detach_interface");
    await this.networks.detach(server, portId, this.plugIn(server));
  }

  private async pluggable(caller: Caller, id: string, action: string): Promise<ServerRecord & { nodeUuid: string }> {
    requireMember(caller);
    const server = await this.visible(caller, id);
    requireUnlocked(caller, server);
    const { nodeUuid } = server;
    if (nodeUuid === null || (server.vmState !== "active" && server.vmState !== "stopped") || server.taskState !== null) {
      throw new ConflictError(`Cannot '${action}' instance ${id} while it is in vm_state ${server.vmState}${server.taskState === null ? "" : ` and task_state ${server.taskState}`}`);
    }
    return { ...server, nodeUuid };
  }

  private plugIn(server: ServerRecord & { nodeUuid: string }): PlugIn {
    const target = { instanceUuid: server.id, nodeUuid: server.nodeUuid };
    return {
      nics: (node) => this.driver.nics(node),
      attach: (vif) => this.driver.attachInterface(target, vif),
      detach: (vif) => this.driver.detachInterface(target, vif),
    };
  }

  async get(caller: Caller, id: string): Promise<ServerView> {
    return this.view(caller, await this.visible(caller, id));
  }

  async list(caller: Caller, filter: ServerListFilter): Promise<ServerView[]> {
    requireReader(caller);
    const admin = caller.role === "admin";
    const allProjects = filter.allTenants === true && admin;
    // Nova: changes-since / changes-before list deleted servers too.
    const includeDeleted = filter.changedSince !== undefined || filter.changedBefore !== undefined;
    if (filter.marker !== undefined) {
      // Nova looks the marker up with deleted ones (read_deleted='yes').
      const marker = await this.store.servers.get(filter.marker, { includeDeleted: true });
      // As Nova: an unknown (or invisible) marker is a bad request, not an empty page.
      if (marker === undefined || (!allProjects && marker.projectId !== caller.projectId)) {
        throw new BadRequestError(`marker [${filter.marker.slice(0, 64)}] not found`);
      }
    }
    // Nova drops the admin-only filters of other callers without a word (remove_invalid_options).
    const host = admin ? filter.host : undefined;
    if (host !== undefined && host !== COMPUTE_HOST) return [];
    const keep = recordTest([
      ...(filter.name === undefined ? [] : [byName(searchPattern("name", filter.name))]),
      ...(admin && filter.node !== undefined ? [byNode(searchPattern("node", filter.node))] : []),
      ...(filter.keep === undefined ? [] : [filter.keep]),
    ]);
    const records = await this.store.servers.list({
      ...(allProjects ? (filter.projectId === undefined ? {} : { projectId: filter.projectId }) : { projectId: caller.projectId }),
      ...(includeDeleted ? { includeDeleted } : {}),
      ...(host === undefined ? {} : { placed: true }),
      ...(keep === undefined ? {} : { keep }),
      ...(filter.limit === undefined ? {} : { limit: filter.limit }),
      ...(filter.marker === undefined ? {} : { marker: filter.marker }),
      ...(filter.tags === undefined ? {} : { tags: filter.tags }),
      ...(filter.locked === undefined ? {} : { locked: filter.locked }),
      ...(filter.reservationId === undefined ? {} : { reservationId: filter.reservationId }),
      ...(filter.imageId === undefined ? {} : { imageId: filter.imageId }),
      ...(filter.flavorId === undefined ? {} : { flavorId: filter.flavorId }),
      ...(filter.changedSince === undefined ? {} : { changedSince: filter.changedSince }),
      ...(filter.changedBefore === undefined ? {} : { changedBefore: filter.changedBefore }),
      ...(filter.ipContains === undefined ? {} : { ipContains: filter.ipContains }),
      ...(filter.sort === undefined ? {} : { sort: filter.sort }),
    });
    // One query each for the tags, the groups, the flavors and the ports of the whole page
    // (a query per server was what a long list spent its time on: bench/api.ts).
    const ids = records.map((record) => record.id);
    const page = {
      tags: await this.store.serverTags.forServers(ids),
      groups: await this.store.serverGroups.ofServers(ids),
      flavors: new Map((await this.store.flavors.list()).map((flavor) => [flavor.id, flavor])),
      addresses: await this.networks.addressesOfPage(records),
    };
    return Promise.all(records.map((record) => this.view(caller, record, page)));
  }

  async create(caller: Caller, request: CreateServerRequest): Promise<CreatedServer> {
    requireMember(caller);
    if (!isPrintableName(request.name)) throw new BadRequestError("Invalid server name: 1-255 printable characters");
    const counts = checkCounts(request, this.config.maxServersPerRequest);
    const flavor = await this.catalog.getFlavor(caller, request.flavorRef).catch((error: unknown) => {
      if (error instanceof NotFoundError) throw new BadRequestError(`Flavor ${request.flavorRef} could not be found.`);
      throw error;
    });
    // A flavor no node can match (no resource class, two …) is refused here, before anything exists.
    const scheduling = schedulingRequest(flavor);
    const blockDevices = await this.blockDevicesFor(caller, request.volumes ?? []);
    const bootsFromVolume = blockDevices.some((device) => device.bootIndex === 0);
    const imageRef = request.imageRef;
    if ((imageRef === null || imageRef === "") && !bootsFromVolume) {
      throw new BadRequestError("Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid: give an image or a volume with boot_index 0.");
    }
    const image =
      imageRef === null || imageRef === "" || bootsFromVolume
        ? null
        : await this.catalog.getImage(caller, imageRef).catch((error: unknown) => {
            if (error instanceof NotFoundError) throw new BadRequestError(`Image ${imageRef} could not be found.`);
            throw error;
          });
    if (request.keyName !== undefined && (await this.store.keypairs.get(caller.userId, request.keyName)) === undefined) {
      throw new BadRequestError(`Invalid key_name provided.`);
    }
    const networks = await this.networks.resolve(caller, request.networks);
    checkSecurityGroups(request.securityGroups);
    const claim = quotaClaim(this.config.quotas, scheduling.resourceClass);
    // Nova's check_num_instances_quota: as many as the quota allows, at least min_count.
    // For one server the create's transaction decides alone: its count and its
    // refusal are this read's (same resource, same words), so the read is skipped.
    const count = counts.max === 1 ? 1 : await allowedCount(this.store, claim, caller.projectId, counts.min, counts.max);
    const membership = request.groupId === undefined ? undefined : await this.groups.membershipFor(caller, request.groupId);
    const now = creationIso();
    const reservation = reservationId();
    // One password for the request, as Nova: it reaches each machine in its config drive.
    const adminPass = request.adminPass ?? generatePassword();
    const metadata = checkMetadata(request.metadata);
    const userData = checkUserData(request.userData);
    const heldUntil = new Date(Date.now() + SIBLING_HOLD_MS).toISOString();
    const entries = Array.from({ length: count }, (_, index) => {
      const id = randomUUID();
      // Nova's multi_instance_display_name_template: "%(name)s-%(count)d".
      const name = count > 1 ? `${request.name}-${index + 1}` : request.name;
      const server: ServerRecord = {
        id,
        name,
        hostname: sanitizeHostname(request.hostname ?? name, `server-${id.slice(0, 8)}`),
        projectId: caller.projectId,
        userId: caller.userId,
        flavorId: flavor.id,
        imageId: image?.id ?? null,
        keyName: request.keyName ?? null,
        nodeUuid: null,
        vmState: "building",
        taskState: "scheduling",
        powerState: "nostate",
        progress: 0,
        networks,
        blockDevices,
        metadata,
        userData,
        availabilityZone: request.availabilityZone ?? "nova",
        fault: null,
        launchedAt: null,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
        description: request.description ?? null,
        locked: false,
        lockedBy: null,
        lockedReason: null,
        accessIPv4: request.accessIPv4 ?? null,
        accessIPv6: request.accessIPv6 ?? null,
        diskConfig: request.diskConfig ?? "MANUAL",
        reservationId: reservation,
        launchIndex: index,
      };
      const action = actionRecord(caller, id, "create");
      // The first server's task places the whole request (task-handlers.ts); the others wait for it.
      return { server, action, task: taskRecord(id, "create", action.id, { admin_password: adminPass }), ...(index === 0 ? {} : { heldUntil }) };
    });
    const first = entries[0]?.server;
    if (first === undefined) throw new Error("a create of no server");
    // The volumes first, one server each (atomic in the store); given back if the create goes no further.
    try {
      for (const device of blockDevices) await this.volumes.attach(device.volumeId, first.id);
    } catch (error) {
      await this.volumes.detachAll(first.id);
      throw error;
    }
    // One transaction: a server never exists without the task that builds it,
    // and the quota is counted in it for all of them (no over-commit by concurrent creates).
    let created = false;
    try {
      await this.store.servers.createBatchWithTasks(entries, claim, membership);
      created = true;
    } catch (error) {
      if (error instanceof OverQuotaError && error.resource === SERVER_GROUP_MEMBERS_RESOURCE) {
        throw new QuotaExceededError("Quota exceeded, too many servers in group");
      }
      if (error instanceof OverQuotaError) throw quotaExceeded(error);
      if (error instanceof UnknownServerGroupError) throw new BadRequestError(groupNotFound(error.groupId).message);
      throw error;
    } finally {
      // A server that was not written holds no volume.
      if (!created) await this.volumes.detachAll(first.id);
    }
    // What a fresh server's view would read back is known here (no tags yet, its
    // group, its flavor): only its ports and its place in the queue are read.
    const view = await this.view(caller, first, {
      tags: new Map(),
      groups: new Map(membership === undefined ? [] : [[first.id, membership.groupId]]),
      flavors: new Map([[flavor.id, flavor]]),
      addresses: await this.networks.addressesOfPage([first]),
    });
    return this.config.enableInstancePassword ? { ...view, adminPass } : view;
  }

  /**
   * A create's volumes, checked (the caller sees each, once; boot index 0 is
   * bootable and alone) and put in boot order: 0 first, then the given
   * indexes, then those without one, numbered 1, 2, … as Ironic's targets are.
   */
  private async blockDevicesFor(caller: Caller, asked: ReadonlyArray<{ volumeId: string; bootIndex: number | null }>): Promise<ServerBlockDevice[]> {
    if (new Set(asked.map((entry) => entry.volumeId)).size !== asked.length) throw new BadRequestError("Block Device Mapping is Invalid: a volume is given twice.");
    if (asked.filter((entry) => entry.bootIndex === 0).length > 1) throw new BadRequestError("Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.");
    for (const entry of asked) {
      const volume = await this.volumes.lookup(caller, entry.volumeId).catch((error: unknown) => {
        if (error instanceof NotFoundError) throw new BadRequestError(`Block Device Mapping is Invalid: failed to get volume ${entry.volumeId}.`);
        throw error;
      });
      if (entry.bootIndex === 0 && !volume.bootable) throw new BadRequestError(`Block Device Mapping is Invalid: Volume ${entry.volumeId} is not bootable.`);
      if (volume.status !== "available") throw new BadRequestError(`Invalid volume: Volume ${entry.volumeId} status must be available to attach, but it is ${volume.status}.`);
    }
    const order = (entry: { bootIndex: number | null }) => (entry.bootIndex === null ? Number.MAX_SAFE_INTEGER : entry.bootIndex);
    return [...asked]
      .sort((a, b) => order(a) - order(b))
      .map((entry, position) => ({ volumeId: entry.volumeId, bootIndex: entry.bootIndex === 0 ? 0 : position + (asked.some((other) => other.bootIndex === 0) ? 0 : 1) }));
  }

  private async enqueue(server: ServerRecord, kind: TaskKind, actionId: string, params: Record<string, unknown>): Promise<void> {
    await this.store.tasks.enqueue(taskRecord(server.id, kind, actionId, params));
  }

  private busy(server: ServerRecord, action: string): ConflictError {
    return new ConflictError(
      `Cannot '${action}' instance ${server.id} while it is in task_state ${server.taskState ?? "none"} (another operation is in progress)`,
    );
  }

  /**
   * Accepted at any moment, as in Nova: a running task is superseded (cancelled;
   * its worker stops before its next Ironic call) and the delete tears down from
   * whatever the node shows. Returns the id of the task superseded, if any.
   */
  async delete(caller: Caller, id: string): Promise<{ superseded: string | null }> {
    requireMember(caller);
    const server = await this.visible(caller, id);
    requireUnlocked(caller, server);
    const active = server.taskState === null ? undefined : await this.store.tasks.activeForServer(server.id);
    if (active?.kind === "delete") return { superseded: null }; // already being deleted: idempotent
    if (active === undefined) {
      // No task, or a task state that no task drives (its task was never
      // written, or ended without clearing it): nothing runs that could be disturbed.
      await this.startTask(caller, server, "delete", { from: null, taskState: "deleting", kind: "delete" }, {});
      return { superseded: null };
    }
    // The action is written in supersede's transaction, with the task.
    const action = actionRecord(caller, server.id, "delete");
    try {
      await this.store.tasks.supersede(active.id, taskRecord(server.id, "delete", action.id, {}), action, nowIso());
    } catch (error) {
      // A concurrent delete got there first: this one is the same request.
      if (error instanceof ServerBusyError && (await this.store.tasks.activeForServer(server.id))?.kind === "delete") return { superseded: null };
      throw error;
    }
    return { superseded: active.id };
  }

  async act(caller: Caller, id: string, action: ServerAction): Promise<{ adminPass?: string; server?: ServerView }> {
    requireMember(caller);
    // A rebuild's own input is checked first, as create checks it (400 before any 409).
    const rebuildInput = action.type === "rebuild" ? checkRebuildInput(action) : undefined;
    const server = await this.visible(caller, id);
    requireUnlocked(caller, server);
    const name = ACTION_NAMES[action.type];
    const step = transition(action);
    if (server.taskState !== null) throw this.busy(server, name);
    if (!step.from.includes(server.vmState)) {
      throw new ConflictError(`Cannot '${name}' instance ${server.id} while it is in vm_state ${server.vmState}`);
    }
    switch (action.type) {
      case "rescue": {
        const adminPass = action.adminPass ?? generatePassword();
        await this.startTask(caller, server, name, step, { rescue_password: adminPass });
        return this.config.enableInstancePassword ? { adminPass } : {};
      }
      case "rebuild": {
        const image = await this.catalog.getImage(caller, action.imageRef).catch((error: unknown) => {
          if (error instanceof NotFoundError) throw new BadRequestError(`Image ${action.imageRef} could not be found.`);
          throw error;
        });
        // Nova looks the key up among the caller's keypairs (who may not own the server).
        const keyName = action.keyName;
        if (typeof keyName === "string" && (await this.store.keypairs.get(caller.userId, keyName)) === undefined) {
          throw new BadRequestError("Invalid key_name provided.");
        }
        const patch = {
          imageId: image.id,
          ...rebuildInput,
          ...(action.metadata === undefined ? {} : { metadata: checkMetadata(action.metadata) }),
          ...(action.diskConfig === undefined ? {} : { diskConfig: action.diskConfig }),
          ...(action.accessIPv4 === undefined ? {} : { accessIPv4: action.accessIPv4 }),
          ...(action.accessIPv6 === undefined ? {} : { accessIPv6: action.accessIPv6 }),
          ...(keyName === undefined ? {} : { keyName }),
        };
        // As Nova: a new password each rebuild (the client's or generated), in the new config drive.
        const adminPass = action.adminPass ?? generatePassword();
        const params = {
          preserve_ephemeral: action.preserveEphemeral ?? false,
          admin_password: adminPass,
          ...(typeof keyName === "string" ? { key_user_id: caller.userId } : {}),
        };
        const updated = await this.startTask(caller, server, name, step, params, patch);
        const view = await this.view(caller, updated);
        return this.config.enableInstancePassword ? { server: view, adminPass } : { server: view };
      }
      case "reboot":
        await this.startTask(caller, server, name, step, { hard: action.hard });
        return {};
      case "stop":
      case "start":
      case "unrescue":
        await this.startTask(caller, server, name, step, {});
        return {};
    }
  }

  /** Marks the server busy (compare-and-set), records the action, enqueues the task. */
  private async startTask(
    caller: Caller,
    server: ServerRecord,
    action: string,
    step: { from: readonly VmState[] | null; taskState: TaskState; kind: TaskKind },
    params: Record<string, unknown>,
    patch: Parameters<Store["servers"]["update"]>[1] = {},
  ): Promise<ServerRecord> {
    let updated: ServerRecord;
    try {
      updated = await this.store.servers.update(
        server.id,
        { ...patch, taskState: step.taskState, fault: null },
        { taskState: server.taskState, vmState: server.vmState },
      );
    } catch (error) {
      if (error instanceof StaleStateError) throw this.busy(server, action);
      throw error;
    }
    const actionId = await this.audit.start(caller, server.id, action);
    try {
      await this.enqueue(updated, step.kind, actionId, params);
    } catch (error) {
      await this.store.servers.update(server.id, { taskState: server.taskState });
      await this.audit.finish(actionId, error);
      if (error instanceof ServerBusyError) throw this.busy(server, action);
      throw error;
    }
    return updated;
  }

  /** The node's socat console address (checked, console-url.ts), for the console proxy's token. */
  async serialConsole(caller: Caller, id: string): Promise<{ host: string; port: number }> {
    requireMember(caller);
    const server = await this.visible(caller, id);
    if (server.nodeUuid === null || server.vmState === "building") {
      throw new ConflictError(`Instance ${id} has no console yet`);
    }
    try {
      const console = await this.driver.serialConsole({ instanceUuid: server.id, nodeUuid: server.nodeUuid });
      return { host: console.host, port: console.port };
    } catch (error) {
      if (error instanceof DriverError) throw new ConflictError(`The serial console is not available: ${error.message}`);
      throw error;
    }
  }

  async actions(caller: Caller, id: string) {
    const server = requireVisible(caller, await this.store.servers.get(id, { includeDeleted: true }), "Instance", id);
    return this.store.actions.listForServer(server.id);
  }

  async action(caller: Caller, id: string, requestId: string) {
    const server = requireVisible(caller, await this.store.servers.get(id, { includeDeleted: true }), "Instance", id);
    const action = await this.store.actions.getByRequestId(server.id, requestId);
    if (action === undefined) throw new NotFoundError(`Action for request_id ${requestId} on instance ${id} not found`);
    return { action, events: await this.store.actions.listEvents(action.id) };
  }
}
