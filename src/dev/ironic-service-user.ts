// The user a local Ironic posts its power notifications as (`npm start`, and
// the tests that run a notifying Ironic): the `service` role, which may post
// os-server-external-events and nothing else — not the admin account, so the
// password in Ironic's config file opens nothing but that one route.
import { randomBytes } from "node:crypto";
import type { Caller, ComputeApi } from "../compute/contract.js";
import { processSecrets } from "../log/redact.js";

export const IRONIC_SERVICE_USER = "ironic";

export interface ServiceCredentials {
  username: string;
  password: string;
}

/** Creates the user in the admin's project with a fresh random password. */
export async function createIronicServiceUser(
  compute: Pick<ComputeApi, "users">,
  admin: Caller,
  username: string = IRONIC_SERVICE_USER,
): Promise<ServiceCredentials> {
  const password = randomBytes(18).toString("base64url");
  processSecrets.register(password);
  await compute.users.create(admin, { name: username, password, projectId: admin.projectId, role: "service" });
  return { username, password };
}
