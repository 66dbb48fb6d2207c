// Nova's os-server-groups: create, list, show, delete, with Nova's quota
// refusals. A server joins a group at create (servers.ts, scheduler hint
// `group`); where its node may be is decided with the claim (scheduler.ts,
// server-group-policy.ts).
import { randomUUID } from "node:crypto";
import type { ServerGroupRecord } from "../store/records.js";
import { OverQuotaError, type Store } from "../store/store.js";
import { creationIso } from "./clock.js";
import {
  BadRequestError,
  NotFoundError,
  QuotaExceededError,
  type Caller,
  type ServerGroupListFilter,
  type ServerGroupRequest,
  type ServerGroupView,
} from "./contract.js";
import { isPrintableName } from "./names.js";
import { requireMember, requireReader, requireVisible } from "./policy.js";

export interface ServerGroupLimits {
  maxPerProject: number;
  maxMembers: number;
}

/** Nova's words for a group the caller cannot see (InstanceGroupNotFound). */
export function groupNotFound(id: string): NotFoundError {
  return new NotFoundError(`Instance group ${id} could not be found.`);
}

export class ServerGroups {
  constructor(
    private readonly store: Store,
    private readonly limits: ServerGroupLimits,
  ) {}

  async create(caller: Caller, request: ServerGroupRequest): Promise<ServerGroupView> {
    requireMember(caller);
    if (!isPrintableName(request.name)) throw new BadRequestError("Invalid server group name: 1-255 printable characters");
    if (request.maxServerPerHost !== undefined && request.policy !== "anti-affinity") {
      throw new BadRequestError("Only anti-affinity policy supports rules.");
    }
    const record: ServerGroupRecord = {
      id: randomUUID(),
      name: request.name,
      projectId: caller.projectId,
      userId: caller.userId,
      policy: request.policy,
      maxServerPerHost: request.maxServerPerHost ?? null,
      createdAt: creationIso(),
    };
    try {
      await this.store.serverGroups.create(record, this.limits.maxPerProject);
    } catch (error) {
      if (error instanceof OverQuotaError) throw new QuotaExceededError("Quota exceeded, too many server groups.");
      throw error;
    }
    return { ...record, members: [] };
  }

  async list(caller: Caller, filter: ServerGroupListFilter): Promise<ServerGroupView[]> {
    requireReader(caller);
    // As Nova: all_projects from a non-admin lists their own groups, no error.
    const all = filter.allProjects === true && caller.role === "admin";
    const groups = await this.store.serverGroups.list({
      ...(all ? {} : { projectId: caller.projectId }),
      ...(filter.limit === undefined ? {} : { limit: filter.limit }),
      ...(filter.offset === undefined ? {} : { offset: filter.offset }),
    });
    const members = await this.store.serverGroups.members(groups.map((group) => group.id));
    return groups.map((group) => ({ ...group, members: members.get(group.id) ?? [] }));
  }

  async get(caller: Caller, id: string): Promise<ServerGroupView> {
    const group = await this.visible(caller, id);
    const members = await this.store.serverGroups.members([group.id]);
    return { ...group, members: members.get(group.id) ?? [] };
  }

  /** Its members stay as they are, in no group (as Nova). */
  async delete(caller: Caller, id: string): Promise<void> {
    requireMember(caller);
    const group = await this.visible(caller, id);
    if (!(await this.store.serverGroups.delete(group.id))) throw groupNotFound(id);
  }

  /**
   * The group a create names in its `group` hint, checked as Nova does (400 for
   * an unknown one or another project's), with the member limit to count against.
   */
  async membershipFor(caller: Caller, groupId: string): Promise<{ groupId: string; maxMembers: number }> {
    const group = await this.store.serverGroups.get(groupId);
    if (group === undefined || (group.projectId !== caller.projectId && caller.role !== "admin")) {
      throw new BadRequestError(groupNotFound(groupId).message);
    }
    return { groupId: group.id, maxMembers: this.limits.maxMembers };
  }

  private async visible(caller: Caller, id: string): Promise<ServerGroupRecord> {
    try {
      return requireVisible(caller, await this.store.serverGroups.get(id), "Instance group", id);
    } catch (error) {
      if (error instanceof NotFoundError) throw groupNotFound(id);
      throw error;
    }
  }
}
