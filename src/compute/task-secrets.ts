// Task parameters that are secrets: they sit in the task row only while the task
// is active (a resumed task needs them), and every finished task drops them.
export const SECRET_TASK_PARAMS = ["admin_password", "rescue_password"] as const;

/** `params` without the secret ones. */
export function withoutSecrets(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const secret: ReadonlySet<string> = new Set(SECRET_TASK_PARAMS);
  return Object.fromEntries(Object.entries(params).filter(([key]) => !secret.has(key)));
}
