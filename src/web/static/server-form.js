// The create-server form: name, flavor, image, key pair, network and user data,
// checked here before the request (the API checks again and has the last word).
import { call, get } from "./api.js";
import { field, h } from "./dom.js";

/** Nova's limit on user_data: 65535 bytes once base64-encoded. */
const MAX_USER_DATA = 65535;

export function base64OfText(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function option(value, label) {
  return h("option", { value }, label);
}

export function createServerForm({ onCreated, onCancel }) {
  const name = h("input", { name: "name", required: true, maxlength: 255, autocomplete: "off" });
  const flavor = h("select", { name: "flavor", required: true }, option("", "Choose a flavor"));
  const image = h("select", { name: "image", required: true }, option("", "Choose an image"));
  const keypair = h("select", { name: "keypair" }, option("", "(none)"));
  const network = h("select", { name: "network" }, option("none", "(no network)"), option("auto", "auto"));
  const userData = h("textarea", { name: "user_data", rows: 4, placeholder: "#cloud-config …" });
  const errors = h("ul", { class: "errors", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, "Create");

  const form = h("form", { class: "panel", "aria-label": "Create server", novalidate: true },
    h("h2", {}, "Create server"),
    field("Name", name),
    field("Flavor", flavor),
    field("Image", image),
    field("Key pair", keypair),
    field("Network", network),
    field("User data", userData, "plain text, sent base64-encoded"),
    errors,
    h("div", { class: "buttons" }, submit, h("button", { type: "button", onclick: onCancel }, "Cancel")),
  );

  void (async () => {
    const [flavors, images, keypairs, networks] = await Promise.all([
      get("/v2.1/flavors/detail"),
      get("/image/v2/images"),
      get("/v2.1/os-keypairs"),
      get("/network/v2.0/networks").catch(() => ({ networks: [] })),
    ]);
    flavor.append(...flavors.flavors.map((f) => option(f.id, `${f.name} (${f.vcpus} vCPU, ${f.ram} MiB)`)));
    image.append(...images.images.filter((i) => i.status === "active" || i.status === undefined).map((i) => option(i.id, i.name ?? i.id)));
    keypair.append(...keypairs.keypairs.map((k) => option(k.keypair.name, k.keypair.name)));
    network.append(...networks.networks.map((n) => option(n.id, n.name || n.id)));
    if (networks.networks.length > 0) network.value = networks.networks[0].id;
  })().catch((error) => {
    errors.replaceChildren(h("li", {}, `Could not load the choices: ${error.message}`));
  });

  function problems() {
    const found = [];
    const trimmed = name.value.trim();
    if (trimmed === "") found.push([name, "A name is required."]);
    else if (trimmed.length > 255) found.push([name, "The name is longer than 255 characters."]);
    if (flavor.value === "") found.push([flavor, "Choose a flavor."]);
    if (image.value === "") found.push([image, "Choose an image."]);
    if (userData.value !== "" && base64OfText(userData.value).length > MAX_USER_DATA) found.push([userData, "User data is larger than 64 KiB once encoded."]);
    return found;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const control of [name, flavor, image, userData]) control.removeAttribute("aria-invalid");
    const found = problems();
    errors.replaceChildren(...found.map(([, message]) => h("li", {}, message)));
    for (const [control] of found) control.setAttribute("aria-invalid", "true");
    if (found.length > 0) return;
    const server = { name: name.value.trim(), flavorRef: flavor.value, imageRef: image.value };
    if (keypair.value !== "") server.key_name = keypair.value;
    server.networks = network.value === "none" || network.value === "auto" ? network.value : [{ uuid: network.value }];
    if (userData.value !== "") server.user_data = base64OfText(userData.value);
    submit.disabled = true;
    try {
      const created = await call("POST", "/v2.1/servers", { server });
      onCreated(created.json.server);
    } catch (error) {
      errors.replaceChildren(h("li", {}, error.message));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
