// `ironic-compute audit list` (admin): the audit of admin changes, newest first.
import type { Command } from "commander";
import { z } from "zod";
import { contextOf } from "./client/context.js";
import { printList } from "./client/output.js";

const auditList = z.object({ audit: z.array(z.looseObject({ id: z.string() })) });

interface AuditListOptions {
  resourceType?: string;
  resourceId?: string;
  userId?: string;
  since?: string;
  until?: string;
  limit?: string;
  marker?: string;
}

/** The command's options as the API's query (the API validates them). */
function auditQuery(options: AuditListOptions): string {
  const query = new URLSearchParams();
  const fields: Array<[string, string | undefined]> = [
    ["resource_type", options.resourceType],
    ["resource_id", options.resourceId],
    ["user_id", options.userId],
    ["since", options.since],
    ["until", options.until],
    ["limit", options.limit],
    ["marker", options.marker],
  ];
  for (const [key, value] of fields) if (value !== undefined) query.set(key, value);
  const text = query.toString();
  return text === "" ? "" : `?${text}`;
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command("audit").description("the audit of admin changes (admin)");

  audit
    .command("list")
    .description("list admin changes, newest first")
    .option("--resource-type <type>", "flavor, image, project, user or quota")
    .option("--resource-id <id>", "one resource's changes")
    .option("--user-id <id>", "changes made by this user")
    .option("--since <time>", "ISO-8601 time, inclusive")
    .option("--until <time>", "ISO-8601 time, inclusive")
    .option("--limit <n>", "at most this many (default 100, at most 1000)")
    .option("--marker <id>", "the entries after this one")
    .action(async (options: AuditListOptions, command: Command) => {
      const context = contextOf(command);
      const { audit: entries } = await context.client.get(`/admin/v1/audit${auditQuery(options)}`, auditList);
      printList(
        entries.map((entry) => ({ ...entry, changes: JSON.stringify(entry["changes"]) })),
        [["created_at", "Time"], ["user_name", "User"], ["action", "Action"], ["resource_type", "Type"], ["resource_id", "ID"],
          ["resource_name", "Name"], ["changes", "Changes"], ["request_id", "Request"]],
        context.format,
      );
    });
}
