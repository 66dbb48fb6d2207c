// Redaction of secrets before anything is written to a log (S8).
//
// Two nets, because one is not enough:
// 1. by key: any property whose name says it holds a secret (password, token,
//    configdrive, user_data, private_key, Authorization …) is replaced, at any
//    depth; inside `driver_info` every key that looks like a credential is too
//    (Ironic drivers name them ipmi_password, redfish_password, snmp_priv_key …);
// 2. by value: secrets the process knows (its Ironic password or token, rescue
//    passwords it generated) are registered once and scrubbed out of every string,
//    including error messages that a peer might echo back.

export const REDACTED = "[REDACTED]";

const SENSITIVE_KEY =
  /^(?:x-auth-token|authorization|proxy-authorization|cookie|set-cookie)$|pass(?:word|wd|phrase)?$|secret|token|configdrive|config_drive|user_?data|vendor_?data|private_?key|adminpass|admin_pass|credential|api_?key/i;
const DRIVER_INFO_SECRET = /pass|secret|token|key|community|credential/i;
const AUTH_HEADER_VALUE = /\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{4,}/g;

const MAX_DEPTH = 12;
const MIN_SECRET_LENGTH = 4;
const MAX_REGISTERED = 2_000;

/** Secret values known at run time, scrubbed from every logged string. */
export class SecretRegistry {
  // Insertion-ordered so the oldest can be dropped: rescue passwords accumulate.
  private readonly values = new Set<string>();

  register(value: string | undefined): void {
    if (value === undefined || value.length < MIN_SECRET_LENGTH) return;
    this.values.delete(value);
    this.values.add(value);
    if (this.values.size > MAX_REGISTERED) {
      const oldest = this.values.values().next();
      if (oldest.done !== true) this.values.delete(oldest.value);
    }
  }

  scrub(text: string): string {
    let out = text.replace(AUTH_HEADER_VALUE, `$1 ${REDACTED}`);
    for (const secret of this.values) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }
}

/** The registry of this process; the logger and the clients share it. */
export const processSecrets = new SecretRegistry();

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

function redactObject(
  value: object,
  registry: SecretRegistry,
  depth: number,
  seen: WeakSet<object>,
  inDriverInfo: boolean,
): unknown {
  if (seen.has(value)) return "[Circular]";
  seen.add(value);
  if (Array.isArray(value)) {
    return value.map((item: unknown) => redactDeep(item, registry, depth + 1, seen, inDriverInfo));
  }
  if (value instanceof Error) {
    const out: Record<string, unknown> = {
      type: value.name,
      message: registry.scrub(value.message),
    };
    if (value.stack !== undefined) out["stack"] = registry.scrub(value.stack);
    for (const [key, inner] of Object.entries(value)) {
      out[key] = isSensitiveKey(key) ? REDACTED : redactDeep(inner, registry, depth + 1, seen, false);
    }
    if (value.cause !== undefined) out["cause"] = redactDeep(value.cause, registry, depth + 1, seen, false);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (isSensitiveKey(key) || (inDriverInfo && DRIVER_INFO_SECRET.test(key))) {
      out[key] = REDACTED;
    } else {
      out[key] = redactDeep(inner, registry, depth + 1, seen, inDriverInfo || key === "driver_info");
    }
  }
  return out;
}

/** A copy of `value` that is safe to log. Never mutates its input. */
export function redactDeep(
  value: unknown,
  registry: SecretRegistry = processSecrets,
  depth = 0,
  seen: WeakSet<object> = new WeakSet(),
  inDriverInfo = false,
): unknown {
  if (typeof value === "string") return registry.scrub(value);
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_DEPTH) return "[Truncated]";
  return redactObject(value, registry, depth, seen, inDriverInfo);
}
