// Names or ids: the id is tried first (404 → look the name up in a list, exact
// match). No match or several matches are errors, as with the openstack CLI.
import type { ApiClient } from "./api-client.js";
import { segment } from "./api-client.js";
import { ApiError, CliError } from "./errors.js";
import { exactPattern } from "../../compute/search-pattern.js";
import { flavorBody, flavorList, imageList, imageSchema, networkBody, networkList, projectList, serverBody, serverRefList, userList } from "./shapes.js";

async function byIdThenName(
  kind: string,
  nameOrId: string,
  tryId: () => Promise<string>,
  list: () => Promise<Array<{ id: string; name: string }>>,
): Promise<string> {
  try {
    return await tryId();
  } catch (error) {
    if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 400)) throw error;
  }
  const matches = (await list()).filter((item) => item.name === nameOrId);
  const [first, second] = matches;
  if (first === undefined) throw new CliError(`No ${kind} with a name or ID of '${nameOrId}' exists.`);
  if (second !== undefined) throw new CliError(`More than one ${kind} exists with the name '${nameOrId}'; use its ID.`);
  return first.id;
}

export function resolveServer(client: ApiClient, nameOrId: string): Promise<string> {
  return byIdThenName(
    "server",
    nameOrId,
    async () => (await client.get(`/v2.1/servers/${segment(nameOrId)}`, serverBody)).server.id,
    async () => (await client.get(`/v2.1/servers?name=${encodeURIComponent(exactPattern(nameOrId))}`, serverRefList)).servers,
  );
}

export function resolveFlavor(client: ApiClient, nameOrId: string): Promise<string> {
  return byIdThenName(
    "flavor",
    nameOrId,
    async () => (await client.get(`/v2.1/flavors/${segment(nameOrId)}`, flavorBody)).flavor.id,
    async () => (await client.get("/v2.1/flavors/detail?is_public=None", flavorList)).flavors,
  );
}

export function resolveImage(client: ApiClient, nameOrId: string): Promise<string> {
  return byIdThenName(
    "image",
    nameOrId,
    async () => (await client.get(`/image/v2/images/${segment(nameOrId)}`, imageSchema)).id,
    async () => (await client.get(`/image/v2/images?name=${encodeURIComponent(nameOrId)}`, imageList)).images,
  );
}

/** A network by id, else by name (GET /network/v2.0/networks?name=). */
export function resolveNetwork(client: ApiClient, nameOrId: string): Promise<string> {
  return byIdThenName(
    "network",
    nameOrId,
    async () => (await client.get(`/network/v2.0/networks/${segment(nameOrId)}`, networkBody)).network.id,
    async () => (await client.get(`/network/v2.0/networks?name=${encodeURIComponent(nameOrId)}`, networkList)).networks,
  );
}

async function fromList(kind: string, nameOrId: string, items: Array<{ id: string; name: string }>): Promise<string> {
  const byId = items.find((item) => item.id === nameOrId);
  if (byId !== undefined) return byId.id;
  return byIdThenName(kind, nameOrId, () => Promise.reject(new ApiError("not an id", 404)), () => Promise.resolve(items));
}

export async function resolveProject(client: ApiClient, nameOrId: string): Promise<string> {
  return fromList("project", nameOrId, (await client.get("/admin/v1/projects", projectList)).projects);
}

export async function resolveUser(client: ApiClient, nameOrId: string): Promise<string> {
  return fromList("user", nameOrId, (await client.get("/admin/v1/users", userList)).users);
}
