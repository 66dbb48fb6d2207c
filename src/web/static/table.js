// One table for every page: filter box, sort by any column (click its header),
// pages of `pageSize` rows. update(rows) re-renders only when what is shown
// changed, so polling every few seconds does not disturb a click.
import { h } from "./dom.js";

/**
 * columns: [{ label, text(row) → string (shown, sorted, filtered),
 *             cell?(row) → Node (shown instead of text), key?(row) → string (re-render when it changes),
 *             number?: true (sort numerically) }]
 */
export function dataTable({ columns, rowKey, pageSize = 20, emptyText = "Nothing here yet.", label }) {
  let rows = [];
  let sortIndex = 0;
  let descending = false;
  let filter = "";
  let page = 0;
  let shown = "";

  const filterInput = h("input", { type: "search", placeholder: "Filter", "aria-label": `Filter ${label}`, class: "filter" });
  filterInput.addEventListener("input", () => {
    filter = filterInput.value.trim().toLowerCase();
    page = 0;
    render();
  });
  const head = h("tr");
  const body = h("tbody");
  const pager = h("div", { class: "pager" });
  const table = h("table", { "aria-label": label }, h("thead", {}, head), body);
  const root = h("div", { class: "table-wrap" }, filterInput, table, pager);

  function headers() {
    head.replaceChildren(
      ...columns.map((column, index) => {
        const mark = index === sortIndex ? (descending ? " ▼" : " ▲") : "";
        const sortable = column.sortable !== false;
        return h("th", { scope: "col", "aria-sort": index === sortIndex ? (descending ? "descending" : "ascending") : null },
          sortable ? h("button", { type: "button", class: "sort", onclick: () => sortBy(index) }, column.label, mark) : column.label);
      }),
    );
  }

  function sortBy(index) {
    if (index === sortIndex) descending = !descending;
    else {
      sortIndex = index;
      descending = false;
    }
    headers();
    render(true);
  }

  function visibleRows() {
    const filtered = filter === "" ? rows : rows.filter((row) => columns.some((column) => column.text(row).toLowerCase().includes(filter)));
    const column = columns[sortIndex];
    const sorted = [...filtered].sort((a, b) => {
      const x = column.text(a);
      const y = column.text(b);
      const order = column.number === true ? Number(x) - Number(y) : x.localeCompare(y, undefined, { numeric: true });
      return descending ? -order : order;
    });
    return { total: sorted.length, pageRows: sorted.slice(page * pageSize, (page + 1) * pageSize) };
  }

  function render(force = false) {
    const { total, pageRows } = visibleRows();
    const pages = Math.max(1, Math.ceil(total / pageSize));
    if (page >= pages) page = pages - 1;
    const signature = JSON.stringify([page, total, pageRows.map((row) => [rowKey(row), ...columns.map((c) => (c.key ?? c.text)(row))])]);
    if (!force && signature === shown) return;
    shown = signature;
    if (pageRows.length === 0) {
      body.replaceChildren(h("tr", {}, h("td", { colspan: columns.length, class: "muted empty" }, rows.length === 0 ? emptyText : "No row matches the filter.")));
    } else {
      body.replaceChildren(
        ...pageRows.map((row) => h("tr", { "data-id": rowKey(row) }, ...columns.map((column) => h("td", {}, column.cell === undefined ? column.text(row) : column.cell(row))))),
      );
    }
    pager.replaceChildren(
      pages <= 1
        ? h("span", { class: "muted" }, `${total} ${total === 1 ? "row" : "rows"}`)
        : h("span", {},
            h("button", { type: "button", disabled: page === 0, onclick: () => { page -= 1; render(); } }, "‹ Previous"),
            ` Page ${page + 1} of ${pages} (${total} rows) `,
            h("button", { type: "button", disabled: page >= pages - 1, onclick: () => { page += 1; render(); } }, "Next ›")),
    );
  }

  headers();
  render(true);
  return {
    root,
    update(next) {
      rows = next;
      render();
    },
    /** Re-renders even when the data did not change (for cells that depend on outside state). */
    refresh() {
      render(true);
    },
  };
}
