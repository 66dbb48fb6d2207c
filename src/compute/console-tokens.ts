// One-time, short-lived serial console tokens, as Nova's serial proxy has
// (console_auth_tokens): os-remote-consoles issues one for one server and one
// caller; the websocket proxy (src/web/console-proxy.ts) redeems it once, when
// the browser connects, and then streams the node's socat console.
//
// Only the token's SHA-256 is kept (a memory dump holds no usable token), and
// only in this process: a token is redeemable on the process that issued it.
// Behind several processes, route a client's console URL to the process that
// answered its os-remote-consoles (docs/openstack-compat.md says so).
import { createHash, randomBytes } from "node:crypto";
import type { Caller } from "./contract.js";

/** Where the service's websocket console proxy listens (the URL os-remote-consoles returns). */
export const SERIAL_CONSOLE_PATH = "/dashboard/console";

/** Live grants at most; the oldest go first past it (each is a few hundred bytes). */
const MAX_GRANTS = 10_000;

export interface ConsoleLimits {
  /** How long an issued token may wait to be redeemed. */
  tokenTtlMs: number;
  /** A session with no byte either way for this long is closed. */
  idleTimeoutMs: number;
  /** A session is closed this long after it opened, busy or not. */
  maxSessionMs: number;
}

export interface ConsoleGrant {
  serverId: string;
  caller: Omit<Caller, "requestId">;
  host: string;
  port: number;
}

interface StoredGrant extends ConsoleGrant {
  expiresAt: number;
}

const digest = (token: string): string => createHash("sha256").update(token).digest("hex");

export class ConsoleTokens {
  private readonly grants = new Map<string, StoredGrant>();

  constructor(
    readonly limits: ConsoleLimits,
    private readonly now: () => number = Date.now,
  ) {}

  issue(grant: ConsoleGrant): { token: string; expiresAt: string } {
    this.sweep();
    const token = randomBytes(32).toString("base64url");
    const expiresAt = this.now() + this.limits.tokenTtlMs;
    this.grants.set(digest(token), { ...grant, caller: { ...grant.caller }, expiresAt });
    while (this.grants.size > MAX_GRANTS) {
      const oldest = this.grants.keys().next();
      if (oldest.done === true) break;
      this.grants.delete(oldest.value);
    }
    return { token, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** The grant of a token not yet used and not expired; the token is spent either way. */
  redeem(token: string): ConsoleGrant | undefined {
    const key = digest(token);
    const grant = this.grants.get(key);
    this.grants.delete(key);
    if (grant === undefined || grant.expiresAt <= this.now()) return undefined;
    const { expiresAt: _expiresAt, ...rest } = grant;
    return rest;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, grant] of this.grants) if (grant.expiresAt <= now) this.grants.delete(key);
  }
}
