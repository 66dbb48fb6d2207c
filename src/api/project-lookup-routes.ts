// Keystone v3's project lookups (GET projects?name=, GET projects/{id}), which
// OSC makes before `quota show|set <project>` and `limits show --project`.
// Registered under /identity/v3 and, for clients given one URL
// (--os-endpoint <url>/v2.1, whose identity client then asks that URL), under
// /v2.1 too. A non-admin sees its own project only (others: 404).
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { ComputeApi } from "../compute/contract.js";
import type { ProjectRecord } from "../store/records.js";
import { sendFault } from "./errors.js";
import { collectionLinks, projectDoc } from "./identity-documents.js";
import { baseUrl, callerOf, type ApiInstance } from "./request-context.js";
import { pathId } from "./schemas.js";

const ANY = { access: "authenticated" } as const;
const idParams = z.object({ id: pathId }).strict();
const nameQuery = z.object({ name: z.string().max(255).optional() });

export function projectList(request: FastifyRequest, projects: ProjectRecord[]): Record<string, unknown> {
  return {
    projects: projects.map((project) => projectDoc(project, baseUrl(request))),
    links: collectionLinks(`${baseUrl(request)}${request.url}`),
  };
}

/** `path`: where the collection is, "/v3/projects" or "/projects". */
export function registerProjectLookups(app: ApiInstance, compute: ComputeApi, path: string): void {
  app.get(path, { config: ANY, schema: { querystring: nameQuery } }, async (request) => {
    const projects = await compute.projects.visible(callerOf(request));
    return projectList(request, projects.filter((project) => request.query.name === undefined || project.name === request.query.name));
  });

  app.get(`${path}/:id`, { config: ANY, schema: { params: idParams } }, async (request, reply) => {
    const project = (await compute.projects.visible(callerOf(request))).find((candidate) => candidate.id === request.params.id);
    if (project === undefined) return sendFault(reply, 404, `Could not find project: ${request.params.id}.`);
    return { project: projectDoc(project, baseUrl(request)) };
  });
}
