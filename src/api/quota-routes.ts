// /v2.1/os-quota-sets and /v2.1/limits in Nova's shapes.
//
// Quotas are per project: `?user_id` (per-user quotas) is accepted and ignored.
// Bare metal has no cores or RAM to share out (a server is a whole node), so the
// VM-only resources are shown as -1 (unlimited) and refused in a PUT; what is
// limited is `instances` and, per resource class, `class:<RESOURCE_CLASS>`
// (Nova's unified-limits name), which only the API and `ironic-compute quota
// set` can send: OSC/novaclient send Nova's fixed keys only.
import { z } from "zod";
import type { ComputeApi, QuotaDetail, QuotaLimits } from "../compute/contract.js";
import { sendFault } from "./errors.js";
import { callerOf, isAdmin } from "./request-context.js";
import type { ApiInstance } from "./request-context.js";

const CLASS_KEY = /^class:([A-Za-z0-9_.-]{1,255})$/;
const UNLIMITED = -1;

const projectParams = z.object({ project_id: z.string().min(1).max(255) }).strict();
const userQuery = z.looseObject({ user_id: z.string().max(255).optional() });

/** Nova's quota value: an integer or a string of one, -1 (unlimited) to MAX_INT. */
const quotaValue = z.union([z.number().int(), z.string().regex(/^-?[0-9]+$/).transform(Number)]).pipe(z.number().int().min(-1).max(0x7fffffff));

const updateBody = z
  .object({ quota_set: z.record(z.string().max(300), z.unknown()) })
  .strict();

/** Nova's VM resources, by the microversions that still show them. */
function vmOnlyKeys(microversion: number): string[] {
  return [
    "cores",
    "ram",
    ...(microversion < 36 ? ["fixed_ips", "floating_ips", "security_groups", "security_group_rules"] : []),
    ...(microversion < 57 ? ["injected_files", "injected_file_content_bytes", "injected_file_path_bytes"] : []),
  ];
}

function quotaSet<T>(
  microversion: number,
  values: { instances: T; keyPairs: T; metadataItems: T; serverGroups: T; serverGroupMembers: T; resourceClasses: Record<string, T> },
  unlimited: T,
): Record<string, T> {
  return {
    instances: values.instances,
    key_pairs: values.keyPairs,
    metadata_items: values.metadataItems,
    server_groups: values.serverGroups,
    server_group_members: values.serverGroupMembers,
    ...Object.fromEntries(vmOnlyKeys(microversion).map((key) => [key, unlimited])),
    ...Object.fromEntries(Object.entries(values.resourceClasses).map(([name, value]) => [`class:${name}`, value])),
  };
}

const limitsOf = (microversion: number, limits: QuotaLimits) => quotaSet(microversion, limits, UNLIMITED);

function detailOf(microversion: number, detail: QuotaDetail) {
  const use = (limit: number, inUse = 0) => ({ in_use: inUse, limit, reserved: 0 });
  return quotaSet(
    microversion,
    {
      instances: use(detail.instances.limit, detail.instances.inUse),
      keyPairs: use(detail.keyPairs),
      metadataItems: use(detail.metadataItems),
      serverGroups: use(detail.serverGroups.limit, detail.serverGroups.inUse),
      serverGroupMembers: use(detail.serverGroupMembers),
      resourceClasses: Object.fromEntries(Object.entries(detail.resourceClasses).map(([name, u]) => [name, use(u.limit, u.inUse)])),
    },
    use(UNLIMITED),
  );
}

/** GET /limits's absolute limits (Nova's names; VM-only ones -1 with 0 used). */
function absoluteLimits(microversion: number, detail: QuotaDetail): Record<string, number> {
  return {
    maxTotalInstances: detail.instances.limit,
    totalInstancesUsed: detail.instances.inUse,
    maxTotalCores: UNLIMITED,
    totalCoresUsed: 0,
    maxTotalRAMSize: UNLIMITED,
    totalRAMUsed: 0,
    maxTotalKeypairs: detail.keyPairs,
    maxServerMeta: detail.metadataItems,
    maxServerGroups: detail.serverGroups.limit,
    maxServerGroupMembers: detail.serverGroupMembers,
    totalServerGroupsUsed: detail.serverGroups.inUse,
    ...(microversion < 39 ? { maxImageMeta: detail.metadataItems } : {}),
    ...(microversion < 57 ? { maxPersonality: UNLIMITED, maxPersonalitySize: UNLIMITED } : {}),
    ...(microversion < 36
      ? { maxTotalFloatingIps: UNLIMITED, totalFloatingIpsUsed: 0, maxSecurityGroups: UNLIMITED, totalSecurityGroupsUsed: 0, maxSecurityGroupRules: UNLIMITED }
      : {}),
  };
}

type Parsed = { ok: true; change: { instances?: number; resourceClasses: Record<string, number>; force: boolean } } | { ok: false; message: string };

/** A PUT's quota_set: instances, class:<RC>, force; Nova's VM-only keys are refused by name. */
function parseUpdate(body: Record<string, unknown>): Parsed {
  const change: { instances?: number; resourceClasses: Record<string, number>; force: boolean } = { resourceClasses: {}, force: false };
  for (const [key, raw] of Object.entries(body)) {
    if (key === "force") {
      change.force = raw === true || raw === "true" || raw === "True";
      continue;
    }
    const value = quotaValue.safeParse(raw);
    if (!value.success) return { ok: false, message: `Invalid input for field/attribute ${key.slice(0, 64)}: a quota is an integer from -1 (unlimited) to 2147483647.` };
    const klass = CLASS_KEY.exec(key);
    if (key === "instances") change.instances = value.data;
    else if (klass?.[1] !== undefined) change.resourceClasses[klass[1]] = value.data;
    else {
      return {
        ok: false,
        message: `Quota ${key.slice(0, 64)} cannot be set here: bare-metal quotas are instances and class:<RESOURCE_CLASS> (a server is a whole node).`,
      };
    }
  }
  return { ok: true, change };
}

export function registerQuotaRoutes(app: ApiInstance, compute: ComputeApi): void {
  const schema = { params: projectParams, querystring: userQuery };

  app.get("/os-quota-sets/:project_id", { config: { access: "reader" }, schema }, async (request) => {
    const { project_id: projectId } = request.params;
    const limits = await compute.quotas.show(callerOf(request), projectId);
    return { quota_set: { id: projectId, ...limitsOf(request.microversion, limits) } };
  });

  app.get("/os-quota-sets/:project_id/defaults", { config: { access: "reader" }, schema: { params: projectParams } }, async (request) => {
    const { project_id: projectId } = request.params;
    const limits = await compute.quotas.defaults(callerOf(request), projectId);
    return { quota_set: { id: projectId, ...limitsOf(request.microversion, limits) } };
  });

  app.get("/os-quota-sets/:project_id/detail", { config: { access: "reader" }, schema }, async (request) => {
    const { project_id: projectId } = request.params;
    const detail = await compute.quotas.detail(callerOf(request), projectId);
    return { quota_set: { id: projectId, ...detailOf(request.microversion, detail) } };
  });

  app.put("/os-quota-sets/:project_id", { config: { access: "admin" }, schema: { ...schema, body: updateBody } }, async (request, reply) => {
    const parsed = parseUpdate(request.body.quota_set);
    if (!parsed.ok) return sendFault(reply, 400, parsed.message);
    const limits = await compute.quotas.update(callerOf(request), request.params.project_id, parsed.change);
    // As Nova: no `id` in the update's answer.
    return { quota_set: limitsOf(request.microversion, limits) };
  });

  app.delete("/os-quota-sets/:project_id", { config: { access: "admin" }, schema }, async (request, reply) => {
    await compute.quotas.reset(callerOf(request), request.params.project_id);
    return reply.code(202).send();
  });

  app.get(
    "/limits",
    { config: { access: "reader" }, schema: { querystring: z.looseObject({ tenant_id: z.string().min(1).max(255).optional(), reserved: z.string().optional() }) } },
    async (request, reply) => {
      const caller = callerOf(request);
      const tenant = request.query.tenant_id;
      // As Nova: another project's limits are an admin's question.
      if (tenant !== undefined && tenant !== caller.projectId && !isAdmin(request)) {
        return sendFault(reply, 403, "Policy doesn't allow os_compute_api:limits:other_project to be performed.");
      }
      const detail = await compute.quotas.detail(caller, tenant ?? caller.projectId);
      return { limits: { rate: [], absolute: absoluteLimits(request.microversion, detail) } };
    },
  );
}
