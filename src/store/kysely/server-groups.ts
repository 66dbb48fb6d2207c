// store.serverGroups over Kysely, and the membership step createWithTask runs
// in its transaction.
//
// Which failure domains a group holds is never a counter: it is read, in the
// transaction that decides, from the members whose server is live (not
// deleted) and holds a node or is still building. A delete, a failed create
// (ERROR, no node) or a released claim therefore gives the domain back by the
// very write that changes the server.
//
// Why two members cannot both take a domain only one may have:
// - SQLite: BEGIN IMMEDIATE holds the one write lock from the first statement,
//   so reservations of every process run one after the other.
// - PostgreSQL (READ COMMITTED): the transaction first locks the group's row
//   (SELECT … FOR UPDATE); the next statement's snapshot is taken after the
//   lock was granted, so it sees what the previous holder committed.

import { sql, type ExpressionBuilder, type Kysely } from "kysely";
import type { Database } from "../schema.js";
import {
  OverQuotaError,
  SERVER_GROUP_MEMBERS_RESOURCE,
  SERVER_GROUPS_RESOURCE,
  UnknownServerGroupError,
  type GroupMembership,
  type Store,
} from "../store.js";
import type { StoreContext, TransactionStep } from "./context.js";
import { mapDuplicate } from "./errors.js";
import { oldestFirst } from "./queries.js";
import { countRow, lockProject } from "./quotas.js";
import { serverGroupSchema } from "./record-schemas.js";
import { checkInput, fromBigint, serverGroupFromRow, serverGroupToRow } from "./rows.js";

/** Members whose server is not deleted. */
function live(eb: ExpressionBuilder<Database, "serverGroupMembers" | "servers">) {
  return eb("servers.deletedAt", "is", null);
}

/** Live members that hold their domain: with a node, or still building (claiming one). */
function holding(eb: ExpressionBuilder<Database, "serverGroupMembers" | "servers">) {
  return eb.and([
    live(eb),
    eb("serverGroupMembers.failureDomain", "is not", null),
    eb.or([eb("servers.nodeUuid", "is not", null), eb("servers.vmState", "=", "building")]),
  ]);
}

/**
 * The step that orders a transaction with every other one on the group: the
 * row lock on PostgreSQL; on SQLite BEGIN IMMEDIATE already does, and the
 * SELECT only says whether the group exists.
 */
function lockGroup(db: Kysely<Database>, kind: StoreContext["kind"], groupId: string): TransactionStep {
  const query = kind === "postgres" ? sql`SELECT id FROM server_groups WHERE id = ${groupId} FOR UPDATE`.compile(db) : sql`SELECT id FROM server_groups WHERE id = ${groupId}`.compile(db);
  return {
    query,
    check: (rows) => {
      if (rows.length === 0) throw new UnknownServerGroupError(groupId);
    },
  };
}

/** The steps that go before a member's server insert: lock the group, count its live members. */
export function membershipSteps(db: Kysely<Database>, kind: StoreContext["kind"], serverId: string, membership: GroupMembership): TransactionStep[] {
  const members = db
    .selectFrom("serverGroupMembers")
    .innerJoin("servers", "servers.id", "serverGroupMembers.serverId")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("serverGroupMembers.groupId", "=", membership.groupId)
    .where(live)
    .compile();
  return [
    lockGroup(db, kind, membership.groupId),
    {
      query: members,
      check: (rows) => {
        const used = countRow(rows[0], "n");
        if (membership.maxMembers >= 0 && used + 1 > membership.maxMembers) {
          throw new OverQuotaError(SERVER_GROUP_MEMBERS_RESOURCE, used, membership.maxMembers);
        }
      },
    },
    db.insertInto("serverGroupMembers").values({ groupId: membership.groupId, serverId, failureDomain: null }).compile(),
  ];
}

/** The domains the group's other members hold: what `domains` answers and what a reservation decides on. */
function heldBy(db: Kysely<Database>, groupId: string, exceptServerId: string) {
  return db
    .selectFrom("serverGroupMembers")
    .innerJoin("servers", "servers.id", "serverGroupMembers.serverId")
    .select("serverGroupMembers.failureDomain")
    .where("serverGroupMembers.groupId", "=", groupId)
    .where("serverGroupMembers.serverId", "<>", exceptServerId)
    .where(holding);
}

/** Thrown inside a reservation's transaction when the policy refuses: nothing is written. */
class Refused extends Error {}

export function serverGroupsRepository({ db, kind, atomically }: StoreContext): Store["serverGroups"] {
  const countByProject = async (projectId: string): Promise<number> => {
    const row = await db.selectFrom("serverGroups").select((eb) => eb.fn.countAll().as("n")).where("projectId", "=", projectId).executeTakeFirstOrThrow();
    return Number(fromBigint(row.n));
  };
  return {
    create: async (record, maxPerProject) => {
      const r = checkInput("ServerGroupRecord", serverGroupSchema, record);
      const count = db.selectFrom("serverGroups").select((eb) => eb.fn.countAll().as("n")).where("projectId", "=", r.projectId).compile();
      await mapDuplicate(`server group ${r.id}`, () =>
        atomically([
          // The project's quota lock orders group creates of the project on PostgreSQL.
          lockProject(db, r.projectId),
          {
            query: count,
            check: (rows) => {
              const used = countRow(rows[0], "n");
              if (maxPerProject >= 0 && used + 1 > maxPerProject) throw new OverQuotaError(SERVER_GROUPS_RESOURCE, used, maxPerProject);
            },
          },
          db.insertInto("serverGroups").values(serverGroupToRow(r)).compile(),
        ]),
      );
    },
    get: async (id) => {
      const row = await db.selectFrom("serverGroups").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : serverGroupFromRow(row);
    },
    list: async (filter = {}) => {
      const { projectId, limit, offset } = filter;
      const rows = await db
        .selectFrom("serverGroups")
        .selectAll()
        .$if(projectId !== undefined, (q) => q.where("projectId", "=", projectId ?? ""))
        .$call(oldestFirst)
        .$if(limit !== undefined, (q) => q.limit(limit ?? 0))
        .$if(offset !== undefined && offset > 0, (q) => (limit === undefined ? q.limit(Number.MAX_SAFE_INTEGER) : q).offset(offset ?? 0))
        .execute();
      return rows.map(serverGroupFromRow);
    },
    countByProject,
    delete: async (id) => {
      const deleted = await atomically([
        db.deleteFrom("serverGroupMembers").where("groupId", "=", id).compile(),
        db.deleteFrom("serverGroups").where("id", "=", id).returning("id").compile(),
      ]);
      return deleted.length > 0;
    },
    members: async (groupIds) => {
      const members = new Map<string, string[]>(groupIds.map((id) => [id, []]));
      if (groupIds.length === 0) return members;
      const rows = await db
        .selectFrom("serverGroupMembers")
        .innerJoin("servers", "servers.id", "serverGroupMembers.serverId")
        .select(["serverGroupMembers.groupId", "serverGroupMembers.serverId"])
        .where("serverGroupMembers.groupId", "in", [...groupIds])
        .where(live)
        .orderBy("servers.createdAt")
        .orderBy("servers.id")
        .execute();
      for (const row of rows) members.get(row.groupId)?.push(row.serverId);
      return members;
    },
    ofServers: async (serverIds) => {
      if (serverIds.length === 0) return new Map();
      const rows = await db.selectFrom("serverGroupMembers").select(["serverId", "groupId"]).where("serverId", "in", [...serverIds]).execute();
      return new Map(rows.map((row) => [row.serverId, row.groupId]));
    },
    domains: async (groupId, exceptServerId) => {
      const rows = await heldBy(db, groupId, exceptServerId).execute();
      return rows.flatMap((row) => (row.failureDomain === null ? [] : [row.failureDomain]));
    },
    reserveDomain: async (groupId, serverId, domain, admits) => {
      const held = heldBy(db, groupId, serverId).compile();
      const reserve = db
        .updateTable("serverGroupMembers")
        .set({ failureDomain: domain })
        .where("groupId", "=", groupId)
        .where("serverId", "=", serverId)
        .returning("serverId")
        .compile();
      try {
        const updated = await atomically([
          lockGroup(db, kind, groupId),
          {
            query: held,
            check: (rows) => {
              const domains = rows.flatMap((row) => {
                const value = (row as { failureDomain?: unknown }).failureDomain;
                return typeof value === "string" ? [value] : [];
              });
              if (!admits(domains)) throw new Refused();
            },
          },
          reserve,
        ]);
        return updated.length > 0 ? "reserved" : "gone";
      } catch (error: unknown) {
        if (error instanceof Refused) return "refused";
        if (error instanceof UnknownServerGroupError) return "gone";
        throw error;
      }
    },
    releaseDomain: async (serverId) => {
      await db.updateTable("serverGroupMembers").set({ failureDomain: null }).where("serverId", "=", serverId).execute();
    },
  };
}
