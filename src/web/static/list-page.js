// A page that is one live table: title, optional tools above it (forms,
// buttons), rows loaded by `load` now and every `pollMs`.
import { every, h } from "./dom.js";
import { dataTable } from "./table.js";

export function listPage({ title, load, columns, rowKey, tools, pollMs = 5000, emptyText }) {
  return (container) => {
    const status = h("p", { class: "muted", role: "status" });
    const table = dataTable({ columns, rowKey, label: title, emptyText });
    let poll;
    const refresh = () => poll.now();
    container.replaceChildren(h("section", {}, h("div", { class: "title" }, h("h1", {}, title)), tools === undefined ? null : tools(refresh), table.root, status));
    poll = every(pollMs, async () => table.update(await load()), status);
    return () => poll.stop();
  };
}

export const yesNo = (value) => (value === true ? "yes" : value === false ? "no" : "");
export const joined = (values) => (Array.isArray(values) ? values.join(", ") : "");
