// The serial console page (#console/<server id>): asks os-remote-consoles for a
// one-time websocket URL and joins it to an xterm.js terminal. Leaving the page
// closes the websocket, and the service then closes the TCP stream.
import { Terminal } from "/dashboard/assets/vendor/xterm.mjs";
import { call, get } from "./api.js";
import { installAdoptedStyles } from "./csp-styles.js";
import { h } from "./dom.js";

installAdoptedStyles();

const CLOSE_REASONS = { 1000: "The console closed.", 1011: "The console could not be reached.", 4000: "Closed after a time without activity.", 4001: "Closed: the session time limit was reached." };

export function consolePage(container, serverId) {
  const title = h("h1", {}, "Serial console");
  const state = h("p", { class: "muted", role: "status", id: "console-state" }, "Connecting…");
  const screen = h("div", { id: "terminal", "aria-label": "Serial console" });
  const reconnect = h("button", { type: "button", hidden: true, onclick: () => open() }, "Reconnect");
  container.replaceChildren(h("section", {}, h("div", { class: "title" }, title, h("a", { href: "#servers" }, "← Servers"), reconnect), state, screen));

  const terminal = new Terminal({ convertEol: false, cursorBlink: true, fontSize: 14, scrollback: 5000 });
  terminal.open(screen);
  let socket = null;
  let left = false;

  async function open() {
    reconnect.hidden = true;
    state.textContent = "Connecting…";
    try {
      const server = (await get(`/v2.1/servers/${encodeURIComponent(serverId)}`)).server;
      title.textContent = `Serial console: ${server.name}`;
      const answer = await call("POST", `/v2.1/servers/${encodeURIComponent(serverId)}/remote-consoles`, { remote_console: { protocol: "serial", type: "serial" } });
      if (left) return;
      socket = new WebSocket(answer.json.remote_console.url);
      socket.binaryType = "arraybuffer";
      socket.addEventListener("open", () => {
        state.textContent = "Connected.";
        terminal.focus();
      });
      socket.addEventListener("message", (event) => {
        terminal.write(typeof event.data === "string" ? event.data : new Uint8Array(event.data));
      });
      socket.addEventListener("close", (event) => {
        if (left) return;
        state.textContent = CLOSE_REASONS[event.code] ?? `The console connection ended (${event.code}).`;
        reconnect.hidden = false;
      });
    } catch (error) {
      state.textContent = error.message;
      reconnect.hidden = false;
    }
  }
  terminal.onData((data) => {
    if (socket !== null && socket.readyState === WebSocket.OPEN) socket.send(data);
  });
  void open();
  return () => {
    left = true;
    if (socket !== null) socket.close(1000, "page left");
    terminal.dispose();
  };
}
