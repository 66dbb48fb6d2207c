// `ironic-compute project …` and `ironic-compute user …` (admin).
import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import { z } from "zod";
import { segment } from "./client/api-client.js";
import { contextOf } from "./client/context.js";
import { CliError } from "./client/errors.js";
import { printList, printRecord } from "./client/output.js";
import { resolveProject, resolveUser } from "./client/resolve.js";
import { projectList, projectSchema, userList, userSchema } from "./client/shapes.js";

const ROLES = ["admin", "member", "reader", "service"] as const;

export function registerProjectCommands(program: Command): void {
  const project = program.command("project").description("projects (admin)");

  project.command("list").description("list projects").action(async (_options: unknown, command: Command) => {
    const context = contextOf(command);
    const { projects } = await context.client.get("/admin/v1/projects", projectList);
    printList(projects, [["id", "ID"], ["name", "Name"], ["description", "Description"]], context.format);
  });

  project
    .command("create <name>")
    .description("create a project")
    .option("--description <text>", "description")
    .action(async (name: string, options: { description?: string }, command: Command) => {
      const context = contextOf(command);
      const body = { name, ...(options.description === undefined ? {} : { description: options.description }) };
      printRecord((await context.client.json("POST", "/admin/v1/projects", z.object({ project: projectSchema }), body)).project, context.format);
    });

  project.command("delete <project>").description("delete an empty project").action(async (nameOrId: string, _options: unknown, command: Command) => {
    const context = contextOf(command);
    await context.client.send("DELETE", `/admin/v1/projects/${segment(await resolveProject(context.client, nameOrId))}`);
  });
}

export function registerUserCommands(program: Command): void {
  const user = program.command("user").description("users (admin)");

  user.command("list").description("list users").action(async (_options: unknown, command: Command) => {
    const context = contextOf(command);
    const { users } = await context.client.get("/admin/v1/users", userList);
    printList(users, [["id", "ID"], ["name", "Name"], ["project_id", "Project"], ["role", "Role"]], context.format);
  });

  user
    .command("create <name>")
    .description("create a user; without --user-password a random one is generated and printed once")
    .requiredOption("--project <project>", "project name or id")
    .option("--role <role>", "admin, member, reader or service (may only post server external events)", "member")
    .option("--user-password <password>", "the new user's password (prefer the generated one)")
    .action(async (name: string, options: { project: string; role: string; userPassword?: string }, command: Command) => {
      const role = ROLES.find((candidate) => candidate === options.role);
      if (role === undefined) throw new CliError(`--role must be one of ${ROLES.join(", ")}`);
      const context = contextOf(command);
      const projectId = await resolveProject(context.client, options.project);
      const password = options.userPassword ?? randomBytes(18).toString("base64url");
      const created = await context.client.json("POST", "/admin/v1/users", z.object({ user: userSchema }), { name, password, project_id: projectId, role });
      printRecord({ ...created.user, ...(options.userPassword === undefined ? { password } : {}) }, context.format);
    });

  user
    .command("set <user>")
    .description("reset a user's password or change its role (revokes the user's tokens)")
    .option("--role <role>", "admin, member, reader or service")
    .option("--reset-password", "generate a new password and print it once")
    .action(async (nameOrId: string, options: { role?: string; resetPassword?: boolean }, command: Command) => {
      const role = options.role === undefined ? undefined : ROLES.find((candidate) => candidate === options.role);
      if (options.role !== undefined && role === undefined) throw new CliError(`--role must be one of ${ROLES.join(", ")}`);
      if (role === undefined && options.resetPassword !== true) throw new CliError("give --role, --reset-password or both");
      const context = contextOf(command);
      const password = options.resetPassword === true ? randomBytes(18).toString("base64url") : undefined;
      const body = { ...(role === undefined ? {} : { role }), ...(password === undefined ? {} : { password }) };
      const id = await resolveUser(context.client, nameOrId);
      const changed = await context.client.json("PATCH", `/admin/v1/users/${segment(id)}`, z.object({ user: userSchema }), body);
      printRecord({ ...changed.user, ...(password === undefined ? {} : { password }) }, context.format);
    });

  user.command("delete <user>").description("delete a user").action(async (nameOrId: string, _options: unknown, command: Command) => {
    const context = contextOf(command);
    await context.client.send("DELETE", `/admin/v1/users/${segment(await resolveUser(context.client, nameOrId))}`);
  });
}
