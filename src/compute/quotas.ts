// Per-project quotas that fit bare metal: servers (`instances`) and servers per
// resource class (a server counts against its flavor's class). Defaults come
// from the config; an admin's limits for a project live in the store. The
// count that enforces them is the store's, in the create's own transaction
// (store.servers.createWithTask with a QuotaClaim): this file only resolves
// defaults, shows, changes and words the refusal as Nova does.
import { classResource, INSTANCES_RESOURCE, OverQuotaError, type QuotaClaim, type Store } from "../store/store.js";
import { normalizeResourceClass } from "../driver/inventory.js";
import { nowIso } from "./clock.js";
import type { QuotaDefaults } from "./config.js";
import {
  BadRequestError,
  ForbiddenError,
  QuotaExceededError,
  type Caller,
  type QuotaChange,
  type QuotaDetail,
  type QuotaLimits,
} from "./contract.js";
import { auditOf, changedFields } from "./admin-audit.js";
import { requireAdmin, requireReader } from "./policy.js";

const CLASS_PREFIX = classResource("");

/**
 * A class as quotas name it: Placement's name, the one a flavor's
 * `resources:CUSTOM_<CLASS>=1` carries (class:CUSTOM_BAREMETAL_GOLD); a node's
 * own spelling ("baremetal-gold") is taken as that, so config and API may use either.
 */
function placementClass(name: string): string {
  const normalized = normalizeResourceClass(name);
  if (normalized === null) throw new BadRequestError(`Invalid resource class ${name.slice(0, 64)}`);
  return normalized;
}

/** Limits by Placement name; two spellings of one class keep the tighter (-1: unlimited). */
function placementLimits(limits: Readonly<Record<string, number>>): Record<string, number> {
  const named: Record<string, number> = {};
  for (const [name, limit] of Object.entries(limits)) {
    const key = placementClass(name);
    const seen = named[key];
    named[key] = seen === undefined || seen < 0 ? limit : limit < 0 ? seen : Math.min(seen, limit);
  }
  return named;
}

/** What a create of a server of `resourceClass` (a Placement name) counts against. */
export function quotaClaim(defaults: QuotaDefaults, resourceClass: string): QuotaClaim {
  return { resourceClass, defaultInstances: defaults.instances, defaultClassLimit: placementLimits(defaults.resourceClasses)[resourceClass] ?? -1 };
}

/** Nova's TooManyInstances text; a resource class is named as Nova's unified limits name it (class:CUSTOM_GPU). */
export function quotaExceeded(error: OverQuotaError, requested = String(error.requested)): QuotaExceededError {
  const { resource, used, limit } = error;
  return new QuotaExceededError(`Quota exceeded for ${resource}: Requested ${requested}, but already used ${used} of ${limit} ${resource}`);
}

/**
 * How many servers of `claim` a create asking for min..max may make, as Nova's
 * check_num_instances_quota decides: max when the quota allows it, else what
 * the quota still allows if that is at least min; otherwise the refusal
 * (Nova's TooManyInstances, "Requested min-max"). A read, not the enforcement:
 * the create's transaction counts again for the number chosen here.
 */
export async function allowedCount(store: Store, claim: QuotaClaim, projectId: string, min: number, max: number): Promise<number> {
  const [set, usage] = await Promise.all([store.quotas.limits(projectId), store.quotas.usage(projectId)]);
  const klass = classResource(claim.resourceClass);
  let allowed = max;
  let over: OverQuotaError | undefined;
  for (const [resource, used, limit] of [
    [INSTANCES_RESOURCE, usage.instances, set[INSTANCES_RESOURCE] ?? claim.defaultInstances],
    [klass, usage.resourceClasses[claim.resourceClass] ?? 0, set[klass] ?? claim.defaultClassLimit],
  ] as const) {
    if (limit < 0 || used + max <= limit) continue;
    const room = Math.max(0, limit - used);
    if (room < allowed) {
      allowed = room;
      over = new OverQuotaError(resource, used, limit, min);
    }
  }
  if (over !== undefined && allowed < min) throw quotaExceeded(over, min === max ? String(min) : `${min}-${max}`);
  return allowed;
}

/** Nova's policy refusal, for another project's quotas. */
function policyRefusal(rule: string): ForbiddenError {
  return new ForbiddenError(`Policy doesn't allow os_compute_api:os-quota-sets:${rule} to be performed.`);
}

/** Limits the service fixes for everyone, shown with the quotas as Nova shows its own. */
export interface FixedLimits {
  keyPairs: number;
  metadataItems: number;
  serverGroups: number;
  serverGroupMembers: number;
}

export class Quotas {
  private readonly defaultLimits: QuotaDefaults;

  constructor(
    private readonly store: Store,
    defaultLimits: QuotaDefaults,
    private readonly fixed: FixedLimits,
  ) {
    this.defaultLimits = { ...defaultLimits, resourceClasses: placementLimits(defaultLimits.resourceClasses) };
  }

  defaults(caller: Caller, _projectId: string): Promise<QuotaLimits> {
    requireReader(caller);
    return Promise.resolve({ ...this.fixed, instances: this.defaultLimits.instances, resourceClasses: { ...this.defaultLimits.resourceClasses } });
  }

  async show(caller: Caller, projectId: string): Promise<QuotaLimits> {
    this.requireOwnOrAdmin(caller, projectId, "show");
    const detail = await this.current(projectId);
    return {
      ...this.fixed,
      serverGroups: detail.serverGroups.limit,
      instances: detail.instances.limit,
      resourceClasses: Object.fromEntries(Object.entries(detail.resourceClasses).map(([name, use]) => [name, use.limit])),
    };
  }

  async detail(caller: Caller, projectId: string): Promise<QuotaDetail> {
    this.requireOwnOrAdmin(caller, projectId, "detail");
    return this.current(projectId);
  }

  async update(caller: Caller, projectId: string, change: QuotaChange): Promise<QuotaLimits> {
    requireAdmin(caller);
    const project = await this.store.projects.get(projectId);
    if (project === undefined) throw new BadRequestError(`Project ID ${projectId} is not a valid project.`);
    const wanted: Record<string, number> = {
      ...(change.instances === undefined ? {} : { [INSTANCES_RESOURCE]: change.instances }),
      ...Object.fromEntries(Object.entries(placementLimits(change.resourceClasses ?? {})).map(([name, limit]) => [classResource(name), limit])),
    };
    if (change.force !== true) {
      // As Nova: a limit below what the project already uses needs `force`.
      const usage = await this.store.quotas.usage(projectId);
      for (const [resource, limit] of Object.entries(wanted)) {
        const used = resource === INSTANCES_RESOURCE ? usage.instances : (usage.resourceClasses[resource.slice(CLASS_PREFIX.length)] ?? 0);
        if (limit !== -1 && limit < used) {
          throw new BadRequestError(`Quota limit ${limit} for ${resource} must be greater than or equal to already used and reserved ${used}.`);
        }
      }
    }
    // "from": the limit the admin had set (null: the default applied).
    const changes = changedFields(await this.store.quotas.limits(projectId), wanted);
    const audit = auditOf(caller, { type: "quota", id: projectId, name: project.name }, "update", changes);
    await this.store.quotas.setLimits(projectId, wanted, nowIso(), audit);
    return this.show(caller, projectId);
  }

  async reset(caller: Caller, projectId: string): Promise<void> {
    requireAdmin(caller);
    const [project, set] = await Promise.all([this.store.projects.get(projectId), this.store.quotas.limits(projectId)]);
    const changes = changedFields(set, Object.fromEntries(Object.keys(set).map((resource) => [resource, null])));
    await this.store.quotas.clearLimits(projectId, auditOf(caller, { type: "quota", id: projectId, name: project?.name ?? "" }, "delete", changes));
  }

  private requireOwnOrAdmin(caller: Caller, projectId: string, rule: string): void {
    requireReader(caller);
    if (caller.role !== "admin" && caller.projectId !== projectId) throw policyRefusal(rule);
  }

  /**
   * Limits and use of every resource that has either: the instances, the
   * classes of the config, those an admin limited for the project and those
   * its servers use (unlimited unless named).
   */
  private async current(projectId: string): Promise<QuotaDetail> {
    const [set, usage, groups] = await Promise.all([
      this.store.quotas.limits(projectId),
      this.store.quotas.usage(projectId),
      this.store.serverGroups.countByProject(projectId),
    ]);
    const classLimits: Record<string, number> = { ...this.defaultLimits.resourceClasses };
    for (const [resource, limit] of Object.entries(set)) {
      if (resource.startsWith(CLASS_PREFIX)) classLimits[resource.slice(CLASS_PREFIX.length)] = limit;
    }
    const names = [...new Set([...Object.keys(classLimits), ...Object.keys(usage.resourceClasses)])].sort();
    return {
      ...this.fixed,
      serverGroups: { limit: this.fixed.serverGroups, inUse: groups },
      instances: { limit: set[INSTANCES_RESOURCE] ?? this.defaultLimits.instances, inUse: usage.instances },
      resourceClasses: Object.fromEntries(names.map((name) => [name, { limit: classLimits[name] ?? -1, inUse: usage.resourceClasses[name] ?? 0 }])),
    };
  }
}
