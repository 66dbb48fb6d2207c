// Admin pages: nodes (as the service sees them), projects, users.
import { get } from "./api.js";
import { joined, listPage, yesNo } from "./list-page.js";
import { h } from "./dom.js";

export const nodesPage = listPage({
  title: "Nodes",
  load: async () => (await get("/admin/v1/nodes")).nodes,
  rowKey: (n) => n.uuid,
  columns: [
    { label: "Name", text: (n) => n.name ?? "" },
    { label: "Provision state", text: (n) => n.provision_state },
    { label: "Power", text: (n) => n.power_state ?? "" },
    { label: "Maintenance", text: (n) => yesNo(n.maintenance) },
    { label: "Available", text: (n) => yesNo(n.available) },
    { label: "Why not", text: (n) => n.reason ?? "" },
    { label: "Resource class", text: (n) => n.resource_class ?? "" },
    { label: "Traits", text: (n) => joined(n.traits) },
    { label: "Owner", text: (n) => n.owner ?? "" },
    { label: "Lessee", text: (n) => n.lessee ?? "" },
    { label: "Server", text: (n) => n.server_id ?? "", cell: (n) => (n.server_id === null ? "" : h("a", { href: `#server/${encodeURIComponent(n.server_id)}` }, n.server_id)) },
    { label: "UUID", text: (n) => n.uuid },
  ],
});

export const projectsPage = listPage({
  title: "Projects",
  load: async () => (await get("/admin/v1/projects")).projects,
  rowKey: (p) => p.id,
  columns: [
    { label: "Name", text: (p) => p.name },
    { label: "Description", text: (p) => p.description ?? "" },
    { label: "Created", text: (p) => p.created_at ?? "" },
    { label: "ID", text: (p) => p.id },
  ],
});

export const usersPage = listPage({
  title: "Users",
  load: async () => (await get("/admin/v1/users")).users,
  rowKey: (u) => u.id,
  columns: [
    { label: "Name", text: (u) => u.name },
    { label: "Role", text: (u) => u.role },
    { label: "Project", text: (u) => u.project_id },
    { label: "Created", text: (u) => u.created_at ?? "" },
    { label: "ID", text: (u) => u.id },
  ],
});
