// Task parameters that are secrets sit in the task row (sealed, see
// store/secret-box.ts) only while the task is active — a resumed task needs
// them — and every finished task drops them.
import { SECRET_TASK_PARAMS, UNREADABLE_SECRETS_PARAM } from "../store/task-params.js";
import { ConflictError } from "./contract.js";

/**
 * A secret the database keeps was sealed with another key than this worker's
 * (store/secret-box.ts): the operation that needs it cannot go on. Its message is
 * the server's fault, for the operator: it names what and where to look, no more.
 */
export class SecretsKeyMismatchError extends ConflictError {
  constructor(what: string) {
    super(`The ${what} was sealed with another secrets key than this worker's: secrets.keyFile must be the same file on every worker and across restarts.`);
  }
}

/** Throws SecretsKeyMismatchError when the store could not open the task's secrets. */
export function checkTaskSecretsReadable(params: Readonly<Record<string, unknown>>): void {
  const unreadable = params[UNREADABLE_SECRETS_PARAM];
  if (Array.isArray(unreadable) && unreadable.length > 0) throw new SecretsKeyMismatchError(`task's ${unreadable.map(String).join(", ")}`);
}

/** `params` without the secret ones. */
export function withoutSecrets(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const secret: ReadonlySet<string> = new Set([...SECRET_TASK_PARAMS, UNREADABLE_SECRETS_PARAM]);
  return Object.fromEntries(Object.entries(params).filter(([key]) => !secret.has(key)));
}
