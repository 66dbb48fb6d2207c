// Quotas and usage of the current project (Nova's /limits and os-quota-sets detail).
import { currentSession, get } from "./api.js";
import { every, h } from "./dom.js";
import { dataTable } from "./table.js";

const limit = (value) => (value === -1 ? "unlimited" : String(value));

export function quotasPage(container) {
  const status = h("p", { class: "muted", role: "status" });
  const table = dataTable({ label: "Quotas", rowKey: (r) => r.name, columns: [
    { label: "Resource", text: (r) => r.name },
    { label: "In use", text: (r) => String(r.in_use), number: true },
    { label: "Reserved", text: (r) => String(r.reserved ?? 0), number: true },
    { label: "Limit", text: (r) => limit(r.limit) },
  ] });
  container.replaceChildren(h("section", {}, h("div", { class: "title" }, h("h1", {}, "Quotas and usage")), table.root, status));
  const poll = every(5000, async () => {
    const project = currentSession()?.project?.id;
    const { quota_set: quotas } = await get(`/v2.1/os-quota-sets/${encodeURIComponent(project)}/detail`);
    table.update(Object.entries(quotas).filter(([name]) => name !== "id").map(([name, value]) => ({ name, ...value })));
  }, status);
  return () => poll.stop();
}
