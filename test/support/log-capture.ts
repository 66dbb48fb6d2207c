// A logger whose output is kept in memory, so tests can assert on what was (and
// was not) written.
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/log/logger.js";

export interface CapturedLog {
  logger: Logger;
  lines: string[];
  text(): string;
  records(): Array<Record<string, unknown>>;
}

export function captureLog(level: "debug" | "info" | "warn" = "debug"): CapturedLog {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter((line) => line !== ""));
      done();
    },
  });
  // pino writes synchronously to a plain Writable, so `lines` is current after each call.
  const logger = createLogger({ level, destination });
  return {
    logger,
    lines,
    text: () => lines.join("\n"),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
