// What test files need to talk to the run's shared Ironic.
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { IronicClient } from "../../src/ironic/client.js";
import { ironicClientOptions, type ironicClientConfigSchema } from "../../src/ironic/config.js";
import type { Logger } from "../../src/log/logger.js";
import type { z } from "zod";

export function sharedIronicUrl(): string {
  return inject("ironicUrl");
}

/** The shared Ironic's log file; "" when the run uses an existing Ironic without naming its log. */
export function sharedIronicLogFile(): string {
  return inject("ironicLogFile");
}

/** A resource class no other test file uses, so listings by class are private. */
export function uniqueResourceClass(label: string): string {
  return `TEST_${label.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_${randomBytes(3).toString("hex").toUpperCase()}`;
}

export function newClient(
  overrides: Partial<z.input<typeof ironicClientConfigSchema>> = {},
  logger?: Logger,
  tls: { ca?: string; cert?: string; key?: string; insecure?: boolean } = {},
): IronicClient {
  return new IronicClient(ironicClientOptions({ url: sharedIronicUrl(), ...overrides }, tls), logger);
}
