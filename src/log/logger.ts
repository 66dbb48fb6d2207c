// The one logger of the project (S8, S14): pino, with every record passed through
// `redactDeep` before it is written, and message strings scrubbed of registered
// secrets. Convention: error = an operator must act; warn = degraded but handled;
// info = lifecycle events; debug = request-level detail. Lines about a node or an
// instance carry `node` / `instance` fields (use `logger.child({ node, instance })`).

import { pino, type DestinationStream, type Logger, type LevelWithSilent } from "pino";
import { processSecrets, redactDeep, type SecretRegistry } from "./redact.js";

export type { Logger } from "pino";

export interface LoggerOptions {
  level?: LevelWithSilent;
  name?: string;
  /** Where lines go; default stdout. Tests pass a capturing stream. */
  destination?: DestinationStream;
  registry?: SecretRegistry;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const registry = options.registry ?? processSecrets;
  const asRecord = (value: unknown): Record<string, unknown> =>
    typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  return pino(
    {
      name: options.name ?? "ironic-compute",
      level: options.level ?? "info",
      formatters: {
        log: (record) => asRecord(redactDeep(record, registry)),
        bindings: (bindings) => asRecord(redactDeep(bindings, registry)),
      },
      // Errors go through the same redaction as everything else.
      serializers: { err: (error: unknown) => redactDeep(error, registry) },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg: unknown) =>
            typeof arg === "string" ? registry.scrub(arg) : arg,
          ) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A logger that writes nothing: the default for library objects built without one. */
export const silentLogger: Logger = pino({ level: "silent" });
