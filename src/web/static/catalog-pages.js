// The read-mostly pages: flavors, images, networks, volumes.
import { get } from "./api.js";
import { joined, listPage, yesNo } from "./list-page.js";

export const flavorsPage = listPage({
  title: "Flavors",
  load: async () => (await get("/v2.1/flavors/detail")).flavors,
  rowKey: (f) => f.id,
  columns: [
    { label: "Name", text: (f) => f.name },
    { label: "vCPUs", text: (f) => String(f.vcpus), number: true },
    { label: "RAM (MiB)", text: (f) => String(f.ram), number: true },
    { label: "Disk (GB)", text: (f) => String(f.disk), number: true },
    { label: "Public", text: (f) => yesNo(f["os-flavor-access:is_public"]) },
    { label: "Resource class", text: (f) => Object.entries(f.extra_specs ?? {}).filter(([key]) => key.startsWith("resources:CUSTOM_")).map(([key]) => key.slice("resources:CUSTOM_".length)).join(", ") },
    { label: "ID", text: (f) => f.id },
  ],
});

export const imagesPage = listPage({
  title: "Images",
  load: async () => (await get("/image/v2/images")).images,
  rowKey: (i) => i.id,
  columns: [
    { label: "Name", text: (i) => i.name ?? "" },
    { label: "Status", text: (i) => i.status ?? "" },
    { label: "Format", text: (i) => i.disk_format ?? "" },
    { label: "Visibility", text: (i) => i.visibility ?? "" },
    { label: "Size", text: (i) => (i.size === null || i.size === undefined ? "" : String(i.size)), number: true },
    { label: "ID", text: (i) => i.id },
  ],
});

export const networksPage = listPage({
  title: "Networks",
  load: async () => (await get("/network/v2.0/networks")).networks,
  rowKey: (n) => n.id,
  columns: [
    { label: "Name", text: (n) => n.name ?? "" },
    { label: "Status", text: (n) => n.status ?? "" },
    { label: "Shared", text: (n) => yesNo(n.shared) },
    { label: "Subnets", text: (n) => joined(n.subnets) },
    { label: "ID", text: (n) => n.id },
  ],
});

export const volumesPage = listPage({
  title: "Volumes",
  load: async () => (await get("/volume/v3/volumes/detail")).volumes,
  rowKey: (v) => v.id,
  columns: [
    { label: "Name", text: (v) => v.name ?? "" },
    { label: "Status", text: (v) => v.status ?? "" },
    { label: "Size (GB)", text: (v) => String(v.size ?? ""), number: true },
    { label: "Bootable", text: (v) => String(v.bootable ?? "") },
    { label: "Attached to", text: (v) => (v.attachments ?? []).map((a) => a.server_id).join(", ") },
    { label: "ID", text: (v) => v.id },
  ],
});
