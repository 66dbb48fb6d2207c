// The dashboard's entry: the login form until there is a token, then the page
// named by the location's hash (#servers, #server/<id>, …) under a navigation
// bar. Leaving a page stops its polling.
import { currentSession, get, isAdmin, logout, onSessionChange, switchProject } from "./api.js";
import { guarded, h } from "./dom.js";
import { loginPage } from "./login.js";
import { nodesPage, projectsPage, usersPage } from "./admin-pages.js";
import { flavorsPage, imagesPage, networksPage, volumesPage } from "./catalog-pages.js";
import { consolePage } from "./console.js";
import { keypairsPage } from "./keypairs.js";
import { quotasPage } from "./quotas.js";
import { serverPage } from "./server-page.js";
import { serversPage } from "./servers.js";

// `nav: false`: reached from another page (with an argument), not listed in the bar.
const PAGES = [
  { name: "servers", label: "Servers", page: serversPage },
  { name: "server", label: "Server", page: serverPage, nav: false },
  { name: "console", label: "Console", page: consolePage, nav: false },
  { name: "flavors", label: "Flavors", page: flavorsPage },
  { name: "images", label: "Images", page: imagesPage },
  { name: "keypairs", label: "Key pairs", page: keypairsPage },
  { name: "networks", label: "Networks", page: networksPage },
  { name: "volumes", label: "Volumes", page: volumesPage },
  { name: "quotas", label: "Quotas", page: quotasPage },
  { name: "nodes", label: "Nodes", page: nodesPage, admin: true },
  { name: "projects", label: "Projects", page: projectsPage, admin: true },
  { name: "users", label: "Users", page: usersPage, admin: true },
];

let leave = () => undefined;

function pageOf(hash) {
  const [name, ...rest] = hash.replace(/^#/, "").split("/");
  const found = PAGES.find((page) => page.name === name && (page.admin !== true || isAdmin()));
  return { entry: found ?? PAGES[0], argument: rest.map(decodeURIComponent).join("/") };
}

async function projectChooser(session) {
  const select = h("select", { "aria-label": "Project", class: "project" });
  select.addEventListener("change", () => guarded(() => switchProject(select.value)));
  const { projects } = await get("/identity/v3/auth/projects");
  select.replaceChildren(...projects.map((p) => h("option", { value: p.id, selected: p.id === session.project?.id }, p.name)));
  return select;
}

function chrome(session) {
  const nav = document.getElementById("nav");
  const who = document.getElementById("who");
  if (session === null) {
    nav.replaceChildren();
    who.replaceChildren();
    return;
  }
  nav.replaceChildren(...PAGES.filter((p) => p.nav !== false && (p.admin !== true || isAdmin())).map((p) => h("a", { href: `#${p.name}` }, p.label)));
  const projectSlot = h("span", {}, session.project?.name ?? "");
  who.replaceChildren(
    h("span", { class: "user" }, session.user.name),
    projectSlot,
    h("span", { class: "muted" }, session.roles[0] ?? ""),
    h("button", { type: "button", onclick: () => guarded(logout) }, "Log out"),
  );
  void projectChooser(session).then((select) => projectSlot.replaceChildren(select)).catch(() => undefined);
}

function route() {
  leave();
  const main = document.getElementById("main");
  const session = currentSession();
  if (session === null) {
    leave = loginPage(main);
    return;
  }
  const { entry, argument } = pageOf(location.hash);
  for (const link of document.querySelectorAll("#nav a")) link.toggleAttribute("aria-current", link.getAttribute("href") === `#${entry.name}`);
  leave = entry.page(main, argument) ?? (() => undefined);
}

onSessionChange((session) => {
  chrome(session);
  route();
});
window.addEventListener("hashchange", route);
chrome(null);
route();
