// The parameters of each kind of durable task, checked whenever a task record
// is made or read back. Lenient where rows of today differ: flags a row may lack
// read as false, keys we do not know are kept (never dropped on a rewrite), and
// the secrets (admin_password, rescue_password) are optional because every
// finished task has them removed; a handler that needs one checks it is there.
import { z } from "zod";

/** Parameters of one kind: the named keys typed, any other key kept as it is. */
const params = <Shape extends z.ZodRawShape>(shape: Shape) => z.looseObject(shape);

const kindParams = <Kind extends string, Shape extends z.ZodRawShape>(kind: Kind, shape: Shape) =>
  z.object({ kind: z.literal(kind), params: params(shape) });

export const taskKindParamsSchema = z.discriminatedUnion("kind", [
  kindParams("create", { admin_password: z.string().optional() }),
  kindParams("delete", {}),
  /** `release`: give back a node still claimed for a server that no longer holds it (the reconciler's). */
  kindParams("release", { node_uuid: z.string() }),
  kindParams("reboot", { hard: z.boolean().optional() }),
  kindParams("stop", {}),
  kindParams("start", {}),
  /** `key_user_id`: whose keypair `key_name` names, when the rebuild set it (the caller's, as Nova). */
  kindParams("rebuild", { preserve_ephemeral: z.boolean().optional(), admin_password: z.string().optional(), key_user_id: z.string().optional() }),
  kindParams("rescue", { rescue_password: z.string().optional() }),
  kindParams("unrescue", {}),
]);

/** A task's kind together with the parameters that kind takes. */
export type TaskKindParams = z.output<typeof taskKindParamsSchema>;
/** The parameters of a task of `Kind`. */
export type TaskParams<Kind extends TaskKindParams["kind"]> = Extract<TaskKindParams, { kind: Kind }>["params"];

/**
 * The parameters that are secrets: the store seals them at rest (secret-box.ts)
 * and every finished task drops them (compute/task-secrets.ts).
 */
export const SECRET_TASK_PARAMS = ["admin_password", "rescue_password"] as const;

/**
 * Set by the store on a task read back whose sealed secrets do not open with
 * this process's key (their names): the runner fails the task with that reason.
 */
export const UNREADABLE_SECRETS_PARAM = "unreadable_secrets";

/**
 * The parameters a finishing task keeps (its secrets removed): any object. The
 * kind's own schema checks them again when the row is read back.
 */
export const keptTaskParamsSchema = z.record(z.string(), z.unknown());
