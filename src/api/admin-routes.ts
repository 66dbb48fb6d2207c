// ironic-compute's own administration API under /admin/v1 (admin role only):
// projects, users, Ironic nodes and the audit of admin changes. Passwords go
// in, never out.
import type { FastifyPluginCallbackZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Caller, ComputeApi, NodeSummary } from "../compute/contract.js";
import { MAX_AUDIT_PAGE } from "../compute/admin-audit.js";
import type { AdminAuditRecord, ProjectRecord, UserRecord } from "../store/records.js";
import { callerOf, unversioned } from "./request-context.js";
import { idParams, queryCount, uuidParams } from "./schemas.js";

const ADMIN = { access: "admin" } as const;

const projectBody = z
  .object({
    name: z.string().trim().min(1).max(64),
    description: z.string().max(255).optional(),
  })
  .strict();

const userBody = z
  .object({
    name: z.string().trim().min(1).max(64),
    password: z.string().min(1).max(256),
    project_id: z.string().min(1).max(255),
    role: z.enum(["admin", "member", "reader", "service"]),
  })
  .strict();

const userPatchBody = z
  .object({
    password: z.string().min(1).max(256).optional(),
    role: z.enum(["admin", "member", "reader", "service"]).optional(),
  })
  .strict()
  .refine((patch) => patch.password !== undefined || patch.role !== undefined, "give a password, a role or both");

/** An ISO-8601 time with an offset, as the store's canonical form (UTC, milliseconds), so bounds compare as stored times do. */
const queryTime = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value).toISOString());

const auditQuery = z
  .object({
    resource_type: z.enum(["flavor", "image", "project", "user", "quota", "volume"]).optional(),
    resource_id: z.string().min(1).max(255).optional(),
    user_id: z.string().min(1).max(255).optional(),
    since: queryTime.optional(),
    until: queryTime.optional(),
    limit: queryCount.pipe(z.number().int().min(1).max(MAX_AUDIT_PAGE)).optional(),
    marker: z.string().min(1).max(255).optional(),
  })
  .strict();

/** The record with snake_case keys, as the rest of this API spells them (`changes` is kept as written). */
function auditDoc(entry: AdminAuditRecord): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entry).map(([key, value]) => [key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`), value]));
}

function projectDoc(project: ProjectRecord): Record<string, unknown> {
  return { id: project.id, name: project.name, description: project.description, created_at: project.createdAt };
}

function userDoc(user: Omit<UserRecord, "passwordHash">): Record<string, unknown> {
  return { id: user.id, name: user.name, project_id: user.projectId, role: user.role, created_at: user.createdAt };
}

function nodeDoc(node: NodeSummary): Record<string, unknown> {
  return {
    uuid: node.uuid,
    name: node.name,
    resource_class: node.resourceClass,
    provision_state: node.provisionState,
    power_state: node.powerState,
    maintenance: node.maintenance,
    available: node.available,
    reason: node.reason,
    server_id: node.serverId,
    instance_uuid: node.instanceUuid,
    claim: node.claim,
    cpus: node.cpus,
    memory_mb: node.memoryMb,
    local_gb: node.localGb,
    cpu_arch: node.cpuArch,
    traits: node.traits,
    owner: node.owner,
    lessee: node.lessee,
  };
}

/** DELETE `path` (with an `:id`) as the admin: 204 once the compute layer removed it. */
function deleteById(app: Parameters<FastifyPluginCallbackZod>[0], path: string, remove: (caller: Caller, id: string) => Promise<void>): void {
  app.delete(path, { config: ADMIN, schema: { params: idParams } }, async (request, reply) => {
    await remove(callerOf(request), request.params.id);
    return reply.code(204).send();
  });
}

export function adminRoutes(compute: ComputeApi): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    unversioned(app);
    app.get("/projects", { config: ADMIN }, async (request) => ({
      projects: (await compute.projects.list(callerOf(request))).map(projectDoc),
    }));

    app.post("/projects", { config: ADMIN, schema: { body: projectBody } }, async (request, reply) => {
      const project = await compute.projects.create(callerOf(request), request.body.name, request.body.description);
      return reply.code(201).send({ project: projectDoc(project) });
    });

    deleteById(app, "/projects/:id", (caller, id) => compute.projects.delete(caller, id));

    app.get("/users", { config: ADMIN }, async (request) => ({
      users: (await compute.users.list(callerOf(request))).map(userDoc),
    }));

    app.post("/users", { config: ADMIN, schema: { body: userBody } }, async (request, reply) => {
      const { name, password, project_id: projectId, role } = request.body;
      const user = await compute.users.create(callerOf(request), { name, password, projectId, role });
      return reply.code(201).send({ user: userDoc(user) });
    });

    // A new password or role revokes the user's tokens (and application credentials granting a role it loses).
    app.patch("/users/:id", { config: ADMIN, schema: { params: idParams, body: userPatchBody } }, async (request) => {
      const { password, role } = request.body;
      const patch = { ...(password === undefined ? {} : { password }), ...(role === undefined ? {} : { role }) };
      return { user: userDoc(await compute.users.update(callerOf(request), request.params.id, patch)) };
    });

    deleteById(app, "/users/:id", (caller, id) => compute.users.delete(caller, id));

    app.get("/audit", { config: ADMIN, schema: { querystring: auditQuery } }, async (request) => {
      const q = request.query;
      const filter = {
        ...(q.resource_type === undefined ? {} : { resourceType: q.resource_type }),
        ...(q.resource_id === undefined ? {} : { resourceId: q.resource_id }),
        ...(q.user_id === undefined ? {} : { userId: q.user_id }),
        ...(q.since === undefined ? {} : { since: q.since }),
        ...(q.until === undefined ? {} : { until: q.until }),
        ...(q.limit === undefined ? {} : { limit: q.limit }),
        ...(q.marker === undefined ? {} : { marker: q.marker }),
      };
      return { audit: (await compute.audit.list(callerOf(request), filter)).map(auditDoc) };
    });

    app.get("/status", { config: ADMIN }, async (request) => {
      const status = await compute.health.status(callerOf(request));
      return {
        status: {
          ready: status.ready,
          checks: status.checks,
          worker_id: status.workerId,
          live_workers: status.liveWorkers,
          nodes: { total: status.nodes.total, available: status.nodes.available, claimed_unknown: status.nodes.claimedUnknown },
          servers: status.servers,
        },
      };
    });

    app.get("/nodes", { config: ADMIN }, async (request) => ({
      nodes: (await compute.nodes.list(callerOf(request))).map(nodeDoc),
    }));

    app.get("/nodes/:id", { config: ADMIN, schema: { params: uuidParams } }, async (request) => ({
      node: nodeDoc(await compute.nodes.get(callerOf(request), request.params.id)),
    }));
    done();
  };
}
