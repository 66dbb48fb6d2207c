// A stub of the store parts src/compute/tokens.ts uses (users, projects and
// application credentials read by id or name; tokens create/get/delete/
// countLive/deleteExpired), in memory, for pure tests. Token lookups and purges
// are recorded so a test can say a malformed token never reached the store.
import type { ApplicationCredentialRecord, ProjectRecord, TokenRecord, UserRecord } from "../../src/store/records.js";
import type { Store } from "../../src/store/store.js";

export interface TokenStoreContents {
  users?: UserRecord[];
  projects?: ProjectRecord[];
  credentials?: ApplicationCredentialRecord[];
  tokens?: TokenRecord[];
}

export function tokenStoreStub(contents: TokenStoreContents = {}) {
  const users = new Map((contents.users ?? []).map((user) => [user.id, user]));
  const projects = new Map((contents.projects ?? []).map((project) => [project.id, project]));
  const credentials = new Map((contents.credentials ?? []).map((credential) => [credential.id, credential]));
  const tokens = new Map((contents.tokens ?? []).map((token) => [token.id, token]));
  const tokenReads: string[] = [];
  const purges: string[] = [];
  const stub = {
    users: {
      get: (id: string) => Promise.resolve(users.get(id)),
      getByName: (name: string) => Promise.resolve([...users.values()].find((user) => user.name === name)),
    },
    projects: {
      get: (id: string) => Promise.resolve(projects.get(id)),
      getByName: (name: string) => Promise.resolve([...projects.values()].find((project) => project.name === name)),
    },
    applicationCredentials: {
      get: (id: string) => Promise.resolve(credentials.get(id)),
      getByName: (userId: string, name: string) =>
        Promise.resolve([...credentials.values()].find((credential) => credential.userId === userId && credential.name === name)),
    },
    tokens: {
      create: (record: TokenRecord) => {
        tokens.set(record.id, record);
        return Promise.resolve();
      },
      get: (id: string) => {
        tokenReads.push(id);
        return Promise.resolve(tokens.get(id));
      },
      delete: (id: string) => Promise.resolve(tokens.delete(id)),
      countLive: (userId: string, now: string) =>
        Promise.resolve([...tokens.values()].filter((token) => token.userId === userId && token.expiresAt > now).length),
      deleteExpired: (now: string) => {
        purges.push(now);
        const expired = [...tokens.values()].filter((token) => token.expiresAt <= now);
        for (const token of expired) tokens.delete(token.id);
        return Promise.resolve(expired.length);
      },
    } satisfies Store["tokens"],
  };
  // Only the parts above are ever called by Tokens; the cast is confined to this stub.
  return { store: stub as unknown as Store, users, projects, credentials, tokens, tokenReads, purges };
}
