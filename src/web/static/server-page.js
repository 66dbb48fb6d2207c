// One server (#server/<id>): its details live, rename, rebuild, rescue and
// unrescue, lock and unlock, the console, and its instance actions with their
// events (Nova's os-instance-actions).
import { call, get, isAdmin } from "./api.js";
import { every, field, guarded, h } from "./dom.js";
import { dataTable } from "./table.js";

/** Nova's power_state numbers. */
const POWER_STATES = { 0: "no state", 1: "running", 3: "paused", 4: "shut down", 6: "crashed", 7: "suspended" };

function detailRows(server, images) {
  const rows = [
    ["ID", server.id],
    ["Status", server.status],
    ["Task", server["OS-EXT-STS:task_state"] ?? ""],
    ["Power state", POWER_STATES[server["OS-EXT-STS:power_state"]] ?? String(server["OS-EXT-STS:power_state"] ?? "")],
    ["Locked", server.locked === true ? `yes${server.locked_reason ? ` (${server.locked_reason})` : ""}` : "no"],
    ["Flavor", server.flavor?.original_name ?? server.flavor?.id ?? ""],
    ["Image", typeof server.image === "object" && server.image !== null ? (images.get(server.image.id) ?? server.image.id) : "(volume)"],
    ["Key pair", server.key_name ?? ""],
    ["Addresses", Object.entries(server.addresses ?? {}).map(([net, list]) => list.map((a) => `${net}: ${a.addr}`).join(", ")).join(", ")],
    ["Created", server.created ?? ""],
    ["Fault", server.fault?.message ?? ""],
  ];
  if (isAdmin()) rows.push(["Node", server["OS-EXT-SRV-ATTR:hypervisor_hostname"] ?? ""], ["Project", server.tenant_id ?? ""]);
  return rows;
}

export function serverPage(container, id) {
  const path = `/v2.1/servers/${encodeURIComponent(id)}`;
  const title = h("h1", {}, "Server");
  const details = h("dl", { class: "details", "aria-label": "Server details" });
  const buttons = h("div", { class: "actions" });
  const formBox = h("div");
  const status = h("p", { class: "muted", role: "status" });
  const events = h("div");
  let current = null;
  const images = new Map();
  let poll;
  let actionsPoll;

  const act = (body) => guarded(async () => {
    await call("POST", `${path}/action`, body);
    poll.now();
    actionsPoll.now();
  });

  function renameForm() {
    const name = h("input", { name: "new-name", value: current.name, maxlength: 255, required: true });
    const form = h("form", { class: "panel", "aria-label": "Rename server" }, field("New name", name), h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Rename"), h("button", { type: "button", onclick: () => formBox.replaceChildren() }, "Cancel")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void guarded(async () => {
        if (name.value.trim() === "") throw new Error("A name is required.");
        await call("PUT", path, { server: { name: name.value.trim() } });
        formBox.replaceChildren();
        poll.now();
      });
    });
    return form;
  }

  function rebuildForm() {
    const image = h("select", { name: "rebuild-image", required: true });
    void get("/image/v2/images").then(({ images }) => image.replaceChildren(...images.map((i) => h("option", { value: i.id, selected: i.id === current.image?.id }, i.name ?? i.id))));
    const form = h("form", { class: "panel", "aria-label": "Rebuild server" }, field("Image", image), h("p", { class: "muted" }, "Rebuilding erases the server's disk."), h("div", { class: "buttons" }, h("button", { type: "submit", class: "danger" }, "Rebuild"), h("button", { type: "button", onclick: () => formBox.replaceChildren() }, "Cancel")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      formBox.replaceChildren();
      void act({ rebuild: { imageRef: image.value } });
    });
    return form;
  }

  function renderButtons(server) {
    const busy = server["OS-EXT-STS:task_state"] !== null;
    const b = (label, onclick, enabled = true) => h("button", { type: "button", disabled: busy || !enabled, onclick }, label);
    buttons.replaceChildren(
      b("Rename", () => formBox.replaceChildren(renameForm())),
      b("Rebuild", () => formBox.replaceChildren(rebuildForm()), server.status === "ACTIVE" || server.status === "SHUTOFF" || server.status === "ERROR"),
      b("Rescue", () => act({ rescue: null }), server.status === "ACTIVE" || server.status === "SHUTOFF"),
      b("Unrescue", () => act({ unrescue: null }), server.status === "RESCUE"),
      server.locked === true ? b("Unlock", () => act({ unlock: null })) : b("Lock", () => act({ lock: null })),
      b("Console", () => { location.hash = `#console/${encodeURIComponent(server.id)}`; }, server.status === "ACTIVE" || server.status === "RESCUE"),
    );
  }

  const actionsTable = dataTable({
    label: "Instance actions",
    rowKey: (a) => a.request_id,
    emptyText: "No actions yet.",
    columns: [
      { label: "Action", text: (a) => a.action },
      { label: "Started", text: (a) => a.start_time ?? "" },
      { label: "Result", text: (a) => a.message ?? "" },
      { label: "User", text: (a) => a.user_id ?? "" },
      { label: "Request", text: (a) => a.request_id, cell: (a) => h("button", { type: "button", class: "link", onclick: () => showEvents(a.request_id) }, a.request_id) },
    ],
  });

  async function showEvents(requestId) {
    const { instanceAction } = await get(`${path}/os-instance-actions/${encodeURIComponent(requestId)}`);
    const table = dataTable({
      label: "Events",
      rowKey: (e) => `${e.event}/${e.start_time}`,
      columns: [
        { label: "Event", text: (e) => e.event },
        { label: "Result", text: (e) => e.result ?? "" },
        { label: "Started", text: (e) => e.start_time ?? "" },
        { label: "Finished", text: (e) => e.finish_time ?? "" },
      ],
    });
    table.update(instanceAction.events ?? []);
    events.replaceChildren(h("h2", {}, `Events of ${instanceAction.action} (${requestId})`), table.root);
  }

  container.replaceChildren(h("section", {},
    h("div", { class: "title" }, title, h("a", { href: "#servers" }, "← Servers")),
    buttons, formBox, details, status,
    h("h2", {}, "Instance actions"), actionsTable.root, events));

  poll = every(2000, async () => {
    if (images.size === 0) for (const image of (await get("/image/v2/images")).images) images.set(image.id, image.name ?? image.id);
    const { server } = await get(path);
    current = server;
    title.textContent = `Server ${server.name}`;
    details.replaceChildren(...detailRows(server, images).flatMap(([label, value]) => [h("dt", {}, label), h("dd", {}, value)]));
    renderButtons(server);
  }, status);
  actionsPoll = every(5000, async () => actionsTable.update((await get(`${path}/os-instance-actions`)).instanceActions), status);
  return () => {
    poll.stop();
    actionsPoll.stop();
  };
}
