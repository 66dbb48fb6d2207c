// The bootstrap admin of a fresh compute service as a Caller, for tests and
// benchmarks that drive the service directly (no HTTP): the one account every
// other project, user, flavor and image is then made with.
import { randomUUID } from "node:crypto";
import type { Caller } from "../src/compute/contract.js";
import type { ComputeService } from "../src/compute/service.js";
import type { Store } from "../src/store/store.js";

export const ADMIN_PASSWORD = "admin-password-1";

export async function bootstrapAdminCaller(service: ComputeService, store: Store): Promise<Caller> {
  await service.bootstrapAdmin({ project: "admin", user: "admin", password: ADMIN_PASSWORD });
  const adminProject = await store.projects.getByName("admin");
  const adminUser = await store.users.getByName("admin");
  if (adminProject === undefined || adminUser === undefined) throw new Error("bootstrap did not create the admin");
  return { userId: adminUser.id, userName: "admin", projectId: adminProject.id, role: "admin", requestId: `req-${randomUUID()}` };
}
