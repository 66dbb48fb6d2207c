// /v2.1/os-server-groups, in Nova's shapes by microversion: `policies: [one]`
// and an empty `metadata` before 2.64, `policy` and `rules` from 2.64; the
// soft policies from 2.15; project_id and user_id from 2.13.
import { z } from "zod";
import type { ComputeApi, ServerGroupRequest, ServerGroupView } from "../compute/contract.js";
import type { ServerGroupPolicy } from "../store/records.js";
import { sendFault } from "./errors.js";
import { callerOf, type ApiInstance } from "./request-context.js";
import { queryCount } from "./schemas.js";

/** Where each shape starts. */
const SOFT_POLICIES_FROM = 15;
const POLICY_AND_RULES_FROM = 64;
const OWNER_FIELDS_FROM = 13;

const HARD: readonly ServerGroupPolicy[] = ["affinity", "anti-affinity"];
const ALL: readonly ServerGroupPolicy[] = [...HARD, "soft-affinity", "soft-anti-affinity"];

const policyName = z.enum(["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"]);
const groupName = z.string().trim().min(1).max(255);

const createBody = z
  .object({
    server_group: z
      .object({
        name: groupName,
        policies: z.array(policyName).length(1).optional(),
        policy: policyName.optional(),
        rules: z.object({ max_server_per_host: z.union([z.number().int(), z.string().regex(/^[0-9]+$/).transform(Number)]).pipe(z.number().int().min(1).max(0x7fffffff)).optional() }).strict().optional(),
      })
      .strict(),
  })
  .strict();

// Nova ≤ 2.74 ignores other query parameters.
const listQuery = z.looseObject({
  all_projects: z.string().max(16).optional(),
  limit: queryCount.optional(),
  offset: queryCount.optional(),
});

// Any text: a name (OSC looks groups up by id first, then lists) is a 404, not a 400.
const idParams = z.object({ id: z.string().min(1).max(255) }).strict();

type CreateBody = z.output<typeof createBody>["server_group"];

/** The request in this microversion's shape, or the 400 text. */
function createRequest(body: CreateBody, microversion: number): ServerGroupRequest | string {
  const allowed = microversion >= SOFT_POLICIES_FROM ? ALL : HARD;
  if (microversion >= POLICY_AND_RULES_FROM) {
    if (body.policies !== undefined || body.policy === undefined) return "Invalid input for field/attribute server_group: 'policy' is a required property";
    const max = body.rules?.max_server_per_host;
    return { name: body.name, policy: body.policy, ...(max === undefined ? {} : { maxServerPerHost: max }) };
  }
  if (body.policy !== undefined || body.rules !== undefined) return "Invalid input for field/attribute server_group: 'policy' and 'rules' need microversion 2.64";
  const policy = body.policies?.[0];
  if (policy === undefined) return "Invalid input for field/attribute server_group: 'policies' is a required property";
  if (!allowed.includes(policy)) return `Invalid input for field/attribute policies: '${policy}' needs microversion 2.15`;
  return { name: body.name, policy };
}

export function serverGroupDoc(group: ServerGroupView, microversion: number): Record<string, unknown> {
  return {
    id: group.id,
    name: group.name,
    ...(microversion >= POLICY_AND_RULES_FROM
      ? { policy: group.policy, rules: group.maxServerPerHost === null ? {} : { max_server_per_host: group.maxServerPerHost } }
      : { policies: [group.policy], metadata: {} }),
    members: group.members,
    ...(microversion >= OWNER_FIELDS_FROM ? { project_id: group.projectId, user_id: group.userId } : {}),
  };
}

export function registerServerGroupRoutes(app: ApiInstance, compute: ComputeApi): void {
  app.get("/os-server-groups", { config: { access: "reader" }, schema: { querystring: listQuery } }, async (request) => {
    const { all_projects: allProjects, limit, offset } = request.query;
    const groups = await compute.serverGroups.list(callerOf(request), {
      // As Nova: the parameter's presence, whatever its value.
      allProjects: allProjects !== undefined,
      ...(limit === undefined ? {} : { limit }),
      ...(offset === undefined ? {} : { offset }),
    });
    return { server_groups: groups.map((group) => serverGroupDoc(group, request.microversion)) };
  });

  app.post("/os-server-groups", { config: { access: "member" }, schema: { body: createBody } }, async (request, reply) => {
    const parsed = createRequest(request.body.server_group, request.microversion);
    if (typeof parsed === "string") return sendFault(reply, 400, parsed);
    const group = await compute.serverGroups.create(callerOf(request), parsed);
    return { server_group: serverGroupDoc(group, request.microversion) };
  });

  app.get("/os-server-groups/:id", { config: { access: "reader" }, schema: { params: idParams } }, async (request) => {
    const group = await compute.serverGroups.get(callerOf(request), request.params.id);
    return { server_group: serverGroupDoc(group, request.microversion) };
  });

  app.delete("/os-server-groups/:id", { config: { access: "member" }, schema: { params: idParams } }, async (request, reply) => {
    await compute.serverGroups.delete(callerOf(request), request.params.id);
    return reply.code(204).send();
  });
}
