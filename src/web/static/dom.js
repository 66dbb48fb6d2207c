// The page's one way of building DOM: every string becomes a text node or an
// attribute value (textContent/setAttribute), never markup, so a server name
// such as `<img src=x onerror=…>` is shown as the text it is.

/**
 * h("button", { class: "x", onclick: fn, disabled: true }, "Label", child)
 * Props: `on<event>` functions become listeners, `class`, `value` and `checked`
 * are set as properties, false/null/undefined are left out, anything else is
 * an attribute.
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = String(value);
    else if (key === "value") node.value = String(value);
    else if (key === "checked") node.checked = Boolean(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A labelled form field: <label>Text <input …></label>. */
export function field(label, control, hint) {
  return h("label", { class: "field" }, h("span", { class: "label" }, label), control, hint === undefined ? null : h("small", { class: "muted" }, hint));
}

/** A short message at the top of the page (errors of actions, confirmations). */
export function flash(message, kind = "error") {
  const box = document.getElementById("flash") ?? document.body.insertBefore(h("div", { id: "flash", role: "status" }), document.getElementById("main"));
  box.replaceChildren(h("div", { class: `flash ${kind}` }, message, h("button", { class: "link", type: "button", onclick: () => box.replaceChildren() }, "dismiss")));
}

/** Runs an action, showing its error as a flash; resolves to its result or undefined. */
export async function guarded(action) {
  try {
    return await action();
  } catch (error) {
    flash(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

/**
 * Calls `task` now and then `ms` after each run ends, until the returned stop()
 * is called (a page stops its polling when it is left). An error is shown in
 * `status` and polling goes on.
 */
export function every(ms, task, status) {
  let stopped = false;
  let timer;
  const run = async () => {
    try {
      await task();
      if (status !== undefined) status.textContent = "";
    } catch (error) {
      if (status !== undefined) status.textContent = error instanceof Error ? error.message : String(error);
    }
    if (!stopped) timer = setTimeout(run, ms);
  };
  void run();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    now() {
      clearTimeout(timer);
      if (!stopped) void run();
    },
  };
}

/** An inline confirmation (window.confirm is avoided: the page opens no dialogs). */
export function confirmBar(box, question, label, onConfirm) {
  box.replaceChildren(
    h("div", { class: "confirm", role: "alertdialog", "aria-label": question },
      h("span", {}, question),
      h("button", { type: "button", class: "danger", onclick: async () => { box.replaceChildren(); await guarded(onConfirm); } }, label),
      h("button", { type: "button", onclick: () => box.replaceChildren() }, "Cancel")),
  );
}
