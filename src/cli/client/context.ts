// The global options every client command shares: where the API is, who calls
// it, and how results are printed. Flags win over IRONIC_COMPUTE_* variables.
import { Option, type Command } from "commander";
import { ApiClient } from "./api-client.js";
import { CliError } from "./errors.js";
import type { Format } from "./output.js";

export interface CliContext {
  client: ApiClient;
  format: Format;
}

interface GlobalOptions {
  format?: Format;
  url?: string;
  username?: string;
  password?: string;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .addOption(new Option("-f, --format <format>", "output format").choices(["table", "json"]).default("table"))
    .option("--url <url>", "API endpoint (default: $IRONIC_COMPUTE_URL)")
    .option("--username <name>", "user name (default: $IRONIC_COMPUTE_USERNAME)")
    .option("--password <password>", "password (default: $IRONIC_COMPUTE_PASSWORD; prefer the variable)");
}

export function contextOf(command: Command, env: NodeJS.ProcessEnv = process.env): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const url = options.url ?? env["IRONIC_COMPUTE_URL"];
  if (url === undefined || url === "") {
    throw new CliError("no API endpoint: set IRONIC_COMPUTE_URL or pass --url (npm start writes .local/credentials.env)");
  }
  if (!/^https?:\/\//.test(url)) throw new CliError(`the API endpoint must be an http(s) URL, not '${url}'`);
  const username = options.username ?? env["IRONIC_COMPUTE_USERNAME"];
  const password = options.password ?? env["IRONIC_COMPUTE_PASSWORD"];
  return {
    client: new ApiClient({
      url,
      ...(username === undefined || username === "" ? {} : { username }),
      ...(password === undefined ? {} : { password }),
    }),
    format: options.format ?? "table",
  };
}

/** Repeated `--x k=v` options into a record. */
export function keyValues(values: readonly string[] | undefined, what: string): Record<string, string> {
  const record: Record<string, string> = {};
  for (const entry of values ?? []) {
    const index = entry.indexOf("=");
    if (index <= 0) throw new CliError(`${what} must be KEY=VALUE, not '${entry}'`);
    record[entry.slice(0, index)] = entry.slice(index + 1);
  }
  return record;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
