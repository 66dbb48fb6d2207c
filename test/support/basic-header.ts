// The Basic Authorization header of a fake user (test/support/fake-compute.ts).
// A file of its own, free of src/ imports, so that pure tests under the mutation
// run (vitest.mutation.config.ts) can use it without loading fake-compute.ts,
// whose FAKE_FLAVOR calls src/ code (inventory.ts, a mutated module) at load
// time: a throwing mutant there would fail the whole importing file, which
// Stryker's vitest runner counts as a survivor instead of a kill.

export const FAKE_PASSWORD = "correct horse battery staple";

export function basicHeader(user: string, password = FAKE_PASSWORD): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}
