// A fenced view of the Ironic client (what a task's driver uses, issue 8 #2):
// once its fence fires it sends nothing, retries included; the client it came
// from is unaffected.
import { describe, expect, it } from "vitest";
import { startFaultProxy } from "../../harness/fault-proxy.js";
import { newClient, sharedIronicUrl } from "../support/ironic.js";

describe("IronicClient.fenced", () => {
  it("sends nothing once the fence fired; the parent client still works", async () => {
    const proxy = await startFaultProxy(sharedIronicUrl());
    const parent = newClient({ url: proxy.url });
    try {
      const fence = new AbortController();
      const fenced = parent.fenced(fence.signal);
      await fenced.nodes.list(["uuid"], { resource_class: "NO_SUCH_CLASS" });
      const sent = proxy.requests.length;
      expect(fenced.http.fenceFired).toBe(false);
      fence.abort(new Error("lease lost in test"));
      expect(fenced.http.fenceFired).toBe(true);
      await expect(fenced.nodes.list(["uuid"], { resource_class: "NO_SUCH_CLASS" })).rejects.toThrow("lease lost in test");
      await expect(fenced.nodes.update("00000000-0000-4000-8000-000000000000", [{ op: "remove", path: "/instance_uuid" }])).rejects.toThrow("lease lost in test");
      expect(proxy.requests.length).toBe(sent); // nothing reached Ironic
      expect(await parent.nodes.list(["uuid"], { resource_class: "NO_SUCH_CLASS" })).toEqual([]);
      expect(proxy.requests.length).toBe(sent + 1);
    } finally {
      await parent.close();
      await proxy.stop();
    }
  });
});
