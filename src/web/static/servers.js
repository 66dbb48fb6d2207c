// The servers page: every server of the project with live status, task state
// and progress, fault, addresses, flavor, image (and node for admins), polled
// every 2 s; the create form; reboot, stop/start and delete.
import { call, get, isAdmin } from "./api.js";
import { confirmBar, every, guarded, h } from "./dom.js";
import { createServerForm } from "./server-form.js";
import { dataTable } from "./table.js";

const POLL_MS = 2000;

function addressesOf(server) {
  const parts = [];
  for (const [network, addresses] of Object.entries(server.addresses ?? {})) {
    for (const address of addresses) parts.push(`${network}: ${address.addr}`);
  }
  return parts.join(", ");
}

function taskOf(server) {
  const task = server["OS-EXT-STS:task_state"];
  if (task === null || task === undefined) return "";
  return server.progress === undefined ? task : `${task} (${server.progress}%)`;
}

export function serversPage(container) {
  const images = new Map();
  const status = h("p", { class: "muted", role: "status" });
  const formBox = h("div");
  const confirmBox = h("div");
  let poll;

  const act = (server, body, done) =>
    guarded(async () => {
      await call("POST", `/v2.1/servers/${server.id}/action`, body);
      if (done !== undefined) done();
      poll.now();
    });

  function actions(server) {
    const busy = server["OS-EXT-STS:task_state"] !== null && server["OS-EXT-STS:task_state"] !== undefined;
    const button = (label, onclick, enabled) => h("button", { type: "button", disabled: busy || !enabled, onclick, "data-action": label }, label);
    return h("span", { class: "actions" },
      button("Soft reboot", () => act(server, { reboot: { type: "SOFT" } }), server.status === "ACTIVE"),
      button("Hard reboot", () => act(server, { reboot: { type: "HARD" } }), server.status === "ACTIVE" || server.status === "ERROR"),
      button("Stop", () => act(server, { "os-stop": null }), server.status === "ACTIVE"),
      button("Start", () => act(server, { "os-start": null }), server.status === "SHUTOFF"),
      button("Console", () => { location.hash = `#console/${encodeURIComponent(server.id)}`; }, server.status === "ACTIVE" || server.status === "RESCUE" || server.status === "ERROR"),
      h("button", { type: "button", class: "danger", "data-action": "Delete", onclick: () =>
        confirmBar(confirmBox, `Delete server ${server.name}?`, "Delete", async () => {
          await call("DELETE", `/v2.1/servers/${server.id}`);
          poll.now();
        }) }, "Delete"),
    );
  }

  const columns = [
    { label: "Name", text: (s) => s.name, cell: (s) => h("a", { href: `#server/${encodeURIComponent(s.id)}` }, s.name) },
    { label: "Status", text: (s) => s.status, cell: (s) => h("span", { class: `status status-${s.status.toLowerCase()}` }, s.status) },
    { label: "Task", text: taskOf },
    { label: "Fault", text: (s) => s.fault?.message ?? "" },
    { label: "Addresses", text: addressesOf },
    { label: "Flavor", text: (s) => s.flavor?.original_name ?? s.flavor?.id ?? "" },
    { label: "Image", text: (s) => (typeof s.image === "object" && s.image !== null ? images.get(s.image.id) ?? s.image.id : "(volume)") },
  ];
  const admin = isAdmin();
  if (admin) {
    columns.push({ label: "Project", text: (s) => s.tenant_id ?? "" });
    columns.push({ label: "Node", text: (s) => s["OS-EXT-SRV-ATTR:hypervisor_hostname"] ?? "" });
  }
  columns.push({ label: "Actions", sortable: false, text: () => "", key: (s) => `${s.status}/${s["OS-EXT-STS:task_state"]}/${s.locked}`, cell: actions });

  const table = dataTable({ columns, rowKey: (s) => s.id, label: "Servers", emptyText: "No servers in this project." });
  const createButton = h("button", { type: "button", class: "primary", onclick: () => {
    if (formBox.childElementCount > 0) formBox.replaceChildren();
    else formBox.replaceChildren(createServerForm({ onCreated: () => { formBox.replaceChildren(); poll.now(); }, onCancel: () => formBox.replaceChildren() }));
  } }, "Create server");

  // Admins see every project's servers unless they ask for their own only.
  const allProjects = h("input", { type: "checkbox", checked: true, onchange: () => poll.now() });
  const scope = admin ? h("label", { class: "inline" }, allProjects, " all projects") : null;
  container.replaceChildren(h("section", {}, h("div", { class: "title" }, h("h1", {}, "Servers"), createButton, scope), formBox, confirmBox, table.root, status));

  poll = every(POLL_MS, async () => {
    if (images.size === 0) {
      const { images: list } = await get("/image/v2/images");
      for (const image of list) images.set(image.id, image.name ?? image.id);
    }
    const { servers } = await get(admin && allProjects.checked ? "/v2.1/servers/detail?all_tenants=1" : "/v2.1/servers/detail");
    table.update(servers);
  }, status);
  return () => poll.stop();
}
