// What a server's owner edits in place, without a task: name, description and
// hostname (PUT), metadata, tags, and the lock (Nova's os-lock-server). Each
// follows Nova's compute API: which states allow it, and whether the lock
// guards it (metadata: yes; PUT and tags: no, as in Nova).
import type { ServerRecord, VmState } from "../store/records.js";
import { StaleStateError, type Store } from "../store/store.js";
import { Audit } from "./audit.js";
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, QuotaExceededError, type Caller, type ServerUpdate, type ServerView } from "./contract.js";
import { isPrintableName } from "./names.js";
import { requireMember, requireUnlocked, requireVisible } from "./policy.js";

/** Nova's default metadata_items quota. */
export const MAX_METADATA_ITEMS = 128;
/** Nova's objects.instance.MAX_TAG_COUNT. */
export const MAX_TAGS = 50;

/** Nova edits metadata and tags in these vm states only (its other two, paused and suspended, do not exist here). */
const EDITABLE_VM_STATES: readonly VmState[] = ["active", "stopped"];

export interface MetadataCheck {
  /** The config-drive limits on keys and values (BadRequestError). */
  (metadata: Record<string, string>): Record<string, string>;
}

export class ServerDetails {
  private readonly audit: Audit;

  constructor(
    private readonly store: Store,
    private readonly view: (caller: Caller, server: ServerRecord) => Promise<ServerView>,
    private readonly checkMetadata: MetadataCheck,
  ) {
    this.audit = new Audit(store);
  }

  private async visible(caller: Caller, id: string): Promise<ServerRecord> {
    return requireVisible(caller, await this.store.servers.get(id), "Instance", id);
  }

  private async editable(caller: Caller, id: string): Promise<ServerRecord> {
    requireMember(caller);
    return this.visible(caller, id);
  }

  /** PUT /servers/{id}. Nova checks neither the lock nor the state here. */
  async update(caller: Caller, id: string, update: ServerUpdate): Promise<ServerView> {
    requireMember(caller);
    if (update.name !== undefined && !isPrintableName(update.name)) throw new BadRequestError("Invalid server name: 1-255 printable characters");
    const server = await this.visible(caller, id);
    const updated = await this.store.servers.update(server.id, {
      ...(update.name === undefined ? {} : { name: update.name }),
      ...(update.description === undefined ? {} : { description: update.description }),
      ...(update.hostname === undefined ? {} : { hostname: update.hostname }),
      ...(update.accessIPv4 === undefined ? {} : { accessIPv4: update.accessIPv4 }),
      ...(update.accessIPv6 === undefined ? {} : { accessIPv6: update.accessIPv6 }),
      ...(update.diskConfig === undefined ? {} : { diskConfig: update.diskConfig }),
    });
    return this.view(caller, updated);
  }

  // ---- metadata (Nova: lock-guarded; vm_state active/stopped, no task running) ----

  async metadata(caller: Caller, id: string): Promise<Record<string, string>> {
    return (await this.visible(caller, id)).metadata;
  }

  async metadataItem(caller: Caller, id: string, key: string): Promise<string> {
    const value = (await this.metadata(caller, id))[key];
    if (value === undefined) throw new NotFoundError("Metadata item was not found");
    return value;
  }

  /** `replace`: the given items become all of them (PUT); `merge`: they are added or overwritten (POST, PUT of one key). */
  async setMetadata(caller: Caller, id: string, items: Record<string, string>, mode: "replace" | "merge"): Promise<Record<string, string>> {
    const server = await this.editable(caller, id);
    this.checkEditable(caller, server, "update metadata");
    const next = mode === "replace" ? { ...items } : { ...server.metadata, ...items };
    if (Object.keys(next).length > MAX_METADATA_ITEMS) {
      throw new QuotaExceededError(`Maximum number of metadata items exceeds ${MAX_METADATA_ITEMS}`);
    }
    const written = await this.writeMetadata(server, this.checkMetadata(next), "update metadata");
    return written.metadata;
  }

  async deleteMetadataItem(caller: Caller, id: string, key: string): Promise<void> {
    const server = await this.editable(caller, id);
    // Nova looks the key up before it checks the lock and the state.
    if (!(key in server.metadata)) throw new NotFoundError("Metadata item was not found");
    this.checkEditable(caller, server, "delete metadata");
    const next = Object.fromEntries(Object.entries(server.metadata).filter(([name]) => name !== key));
    await this.writeMetadata(server, next, "delete metadata");
  }

  private checkEditable(caller: Caller, server: ServerRecord, action: string): void {
    requireUnlocked(caller, server);
    if (!EDITABLE_VM_STATES.includes(server.vmState)) throw stateConflict(server, action, "vm_state");
    if (server.taskState !== null) throw stateConflict(server, action, "task_state");
  }

  /** Compare-and-set on the state just checked: a task that starts meanwhile wins, this answers 409. */
  private async writeMetadata(server: ServerRecord, metadata: Record<string, string>, action: string): Promise<ServerRecord> {
    try {
      return await this.store.servers.update(server.id, { metadata }, { taskState: null, vmState: server.vmState });
    } catch (error) {
      if (error instanceof StaleStateError) throw stateConflict(server, action, "task_state");
      throw error;
    }
  }

  // ---- tags (Nova 2.26: not lock-guarded; changes in vm_state active/stopped) ----

  async tags(caller: Caller, id: string): Promise<string[]> {
    const server = await this.visible(caller, id);
    return (await this.store.serverTags.forServers([server.id])).get(server.id) ?? [];
  }

  async hasTag(caller: Caller, id: string, tag: string): Promise<void> {
    if (!(await this.tags(caller, id)).includes(tag)) throw new NotFoundError(`Server ${id} has no tag '${tag}'`);
  }

  async replaceTags(caller: Caller, id: string, tags: readonly string[]): Promise<string[]> {
    const server = await this.taggable(caller, id, "update tags");
    await this.store.serverTags.replace(server.id, tags);
    return this.tags(caller, id);
  }

  /** "added" for a new tag (201), "present" when the server had it (204). */
  async addTag(caller: Caller, id: string, tag: string): Promise<"added" | "present"> {
    const server = await this.taggable(caller, id, "update tag");
    const result = await this.store.serverTags.add(server.id, tag, MAX_TAGS);
    if (result === "full") throw new BadRequestError(`The number of tags exceeded the per-server limit ${MAX_TAGS}`);
    return result;
  }

  async removeTag(caller: Caller, id: string, tag: string): Promise<void> {
    const server = await this.taggable(caller, id, "delete tag");
    if (!(await this.store.serverTags.remove(server.id, tag))) throw new NotFoundError(`Instance ${id} has no tag '${tag}'`);
  }

  async removeAllTags(caller: Caller, id: string): Promise<void> {
    const server = await this.taggable(caller, id, "delete tags");
    await this.store.serverTags.replace(server.id, []);
  }

  private async taggable(caller: Caller, id: string, action: string): Promise<ServerRecord> {
    const server = await this.editable(caller, id);
    if (!EDITABLE_VM_STATES.includes(server.vmState)) throw stateConflict(server, action, "vm_state");
    return server;
  }

  // ---- lock (Nova's compute API lock / unlock / is_expected_locked_by) ----

  /**
   * Locks in any state. `locked_by` is "owner" when the caller is of the
   * server's project, "admin" otherwise; the owner locking again changes nothing,
   * an admin of another project takes the lock over.
   */
  async lock(caller: Caller, id: string, reason: string | undefined): Promise<void> {
    const server = await this.editable(caller, id);
    const by = lockerOf(caller, server);
    if (server.locked && by === "owner") return;
    await this.recorded(caller, server.id, "lock", () =>
      this.store.servers.update(server.id, { locked: true, lockedBy: by, lockedReason: reason ?? server.lockedReason }),
    );
  }

  /** The locker unlocks; a lock of the other kind needs an admin (Nova's unlock_override, admin only). */
  async unlock(caller: Caller, id: string): Promise<void> {
    const server = await this.editable(caller, id);
    if (server.lockedBy !== null && server.lockedBy !== lockerOf(caller, server) && caller.role !== "admin") {
      throw new ForbiddenError("Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed.");
    }
    await this.recorded(caller, server.id, "unlock", () =>
      this.store.servers.update(server.id, { locked: false, lockedBy: null, lockedReason: null }),
    );
  }

  /** An instance action (Nova records lock and unlock), finished when `work` is. */
  private async recorded(caller: Caller, serverId: string, action: string, work: () => Promise<unknown>): Promise<void> {
    const actionId = await this.audit.start(caller, serverId, action);
    try {
      await work();
    } catch (error) {
      await this.audit.finish(actionId, error);
      throw error;
    }
    await this.audit.finish(actionId);
  }
}

function lockerOf(caller: Caller, server: ServerRecord): "owner" | "admin" {
  return caller.projectId === server.projectId ? "owner" : "admin";
}

function stateConflict(server: ServerRecord, action: string, attribute: "vm_state" | "task_state"): ConflictError {
  const state = attribute === "vm_state" ? server.vmState : (server.taskState ?? "none");
  return new ConflictError(`Cannot '${action}' instance ${server.id} while it is in ${attribute} ${state}`);
}
