// Secrets written before the store sealed them (secret-box.ts) are sealed once,
// when the store is opened and migrated: the CHAP secret of each volume that has
// one in the clear, each server's user data, and the passwords of the tasks
// still running. Finished tasks hold none (the runner drops them), so these are
// all the secrets at rest.

import { SEALED_PREFIX, SecretBox } from "../secret-box.js";
import type { StoreContext } from "./context.js";
import { SECRET_TASK_PARAMS } from "../task-params.js";
import { chapSecretContext, taskSecretContext, userDataContext } from "./rows.js";

const SEALED_PATTERN = `${SEALED_PREFIX}%`;

export async function sealLegacySecrets({ db, secrets }: StoreContext): Promise<void> {
  const volumes = await db
    .selectFrom("volumes")
    .select(["id", "chapSecret"])
    .where("chapSecret", "is not", null)
    .where("chapSecret", "not like", SEALED_PATTERN)
    .execute();
  for (const { id, chapSecret } of volumes) {
    if (chapSecret === null) continue;
    // Only the row still in the clear is rewritten (a second opener may have sealed it meanwhile).
    await db
      .updateTable("volumes")
      .set({ chapSecret: secrets.seal(chapSecret, chapSecretContext(id)) })
      .where("id", "=", id)
      .where("chapSecret", "=", chapSecret)
      .execute();
  }
  const servers = await db
    .selectFrom("servers")
    .select(["id", "userData"])
    .where("userData", "is not", null)
    .where("userData", "not like", SEALED_PATTERN)
    .execute();
  for (const { id, userData } of servers) {
    if (userData === null) continue;
    await db
      .updateTable("servers")
      .set({ userData: secrets.seal(userData, userDataContext(id)) })
      .where("id", "=", id)
      .where("userData", "=", userData)
      .execute();
  }
  const tasks = await db.selectFrom("tasks").select(["id", "params"]).where("status", "in", ["pending", "running"]).execute();
  for (const { id, params } of tasks) {
    const parsed: unknown = JSON.parse(params);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) continue;
    const stored = parsed as Record<string, unknown>;
    const inClear = SECRET_TASK_PARAMS.filter((key) => { const value = stored[key]; return typeof value === "string" && !SecretBox.isSealed(value); });
    if (inClear.length === 0) continue;
    const resealed = { ...stored };
    for (const key of inClear) resealed[key] = secrets.seal(String(stored[key]), taskSecretContext(id, key));
    await db.updateTable("tasks").set({ params: JSON.stringify(resealed) }).where("id", "=", id).where("params", "=", params).execute();
  }
}
