// The one logger of the project (S8, S14): pino, with every serialized line passed
// through `redactDeep` just before it is written (keys that name secrets, and
// registered secret values). Convention: error = an operator must act; warn = degraded but handled;
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
  return pino(
    {
      name: options.name ?? "ironic-compute",
      level: options.level ?? "info",
      hooks: {
        // The last point before a line is written, so it sees everything: the
        // record, child bindings, serialized errors and the message text.
        streamWrite: (line) => redactLine(line, registry),
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** Redacts one serialized JSON log line (by key and by registered value). */
export function redactLine(line: string, registry: SecretRegistry = processSecrets): string {
  let record: unknown;
  try {
    record = JSON.parse(line) as unknown;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return registry.scrub(line);
  }
  return `${JSON.stringify(redactDeep(record, registry))}\n`;
}

/** A logger that writes nothing: the default for library objects built without one. */
export const silentLogger: Logger = pino({ level: "silent" });
