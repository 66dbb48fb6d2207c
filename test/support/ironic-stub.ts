// A hand-made stand-in for the IronicClient's node reads and writes, for pure
// unit tests of driver decisions that take the client as a parameter (claim,
// binding check, ownership). It records every call and answers each from a
// script of canned answers, in order; a call with no answer left fails the
// test loudly instead of inventing one. No HTTP, no Ironic.
import type { IronicClient } from "../../src/ironic/client.js";
import type { JsonPatchOp } from "../../src/ironic/nodes.js";

/** A canned answer: the node (as much of it as the code under test reads), or the error to throw. */
export type StubAnswer = Record<string, unknown> | Error;

export type StubNodesCall =
  | { method: "get"; ident: string; fields: readonly string[] }
  | { method: "update"; ident: string; patch: readonly JsonPatchOp[]; options: unknown };

export interface IronicNodesStub {
  /** Pass where an IronicClient is expected (only `nodes.get` and `nodes.update` exist). */
  readonly client: IronicClient;
  readonly calls: StubNodesCall[];
}

export function ironicNodesStub(script: { get?: StubAnswer[]; update?: StubAnswer[] }): IronicNodesStub {
  const gets = [...(script.get ?? [])];
  const updates = [...(script.update ?? [])];
  const calls: StubNodesCall[] = [];
  const answer = (queue: StubAnswer[], method: string): Promise<Record<string, unknown>> => {
    const next = queue.shift();
    if (next === undefined) return Promise.reject(new Error(`ironicNodesStub: no canned answer left for nodes.${method}`));
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  const nodes = {
    get: (ident: string, fields: readonly string[]) => {
      calls.push({ method: "get", ident, fields: [...fields] });
      return answer(gets, "get");
    },
    update: (ident: string, patch: readonly JsonPatchOp[], options?: unknown) => {
      calls.push({ method: "update", ident, patch, options });
      return answer(updates, "update");
    },
  };
  // The cast is the stub's whole point: the code under test only reaches `nodes.get` and `nodes.update`.
  return { client: { nodes } as unknown as IronicClient, calls };
}
