// Key pairs: list, create (the service generates the pair and shows the private
// key once, here, never again), import a public key, delete.
import { call, get } from "./api.js";
import { confirmBar, field, guarded, h } from "./dom.js";
import { listPage } from "./list-page.js";

/** Nova 2.92 stopped generating key pairs; the page asks for 2.91 when it wants one generated. */
const GENERATE_VERSION = { "openstack-api-version": "compute 2.91" };

function keypairForm(refresh) {
  const name = h("input", { name: "keypair-name", required: true, maxlength: 255, autocomplete: "off" });
  const publicKey = h("textarea", { name: "public_key", rows: 3, placeholder: "ssh-ed25519 AAAA… (leave empty to generate a pair)" });
  const result = h("div", { role: "status" });
  const form = h("form", { class: "panel", "aria-label": "Create key pair" },
    h("h2", {}, "Create or import a key pair"),
    field("Name", name),
    field("Public key", publicKey),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Save key pair")),
    result,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    result.replaceChildren();
    void guarded(async () => {
      if (name.value.trim() === "") {
        result.replaceChildren(h("p", { class: "errors" }, "A name is required."));
        return;
      }
      const keypair = { name: name.value.trim() };
      if (publicKey.value.trim() !== "") keypair.public_key = publicKey.value.trim();
      const answer = await call("POST", "/v2.1/os-keypairs", { keypair }, keypair.public_key === undefined ? GENERATE_VERSION : {});
      const created = answer.json.keypair;
      name.value = "";
      publicKey.value = "";
      if (typeof created.private_key === "string") {
        result.replaceChildren(
          h("p", {}, `Private key of ${created.name}: copy it now, it is shown only this once.`),
          h("pre", { class: "secret", "aria-label": "Private key" }, created.private_key),
          h("button", { type: "button", onclick: () => result.replaceChildren() }, "I have saved it"),
        );
      } else result.replaceChildren(h("p", {}, `Imported ${created.name}.`));
      refresh();
    });
  });
  return form;
}

export function keypairsPage(container) {
  const confirmBox = h("div");
  let refresh = () => undefined;
  return listPage({
    title: "Key pairs",
    load: async () => (await get("/v2.1/os-keypairs")).keypairs.map((k) => k.keypair),
    rowKey: (k) => k.name,
    tools: (again) => {
      refresh = again;
      return h("div", {}, keypairForm(again), confirmBox);
    },
    columns: [
      { label: "Name", text: (k) => k.name },
      { label: "Type", text: (k) => k.type ?? "ssh" },
      { label: "Fingerprint", text: (k) => k.fingerprint ?? "" },
      {
        label: "Actions",
        sortable: false,
        text: () => "",
        cell: (k) =>
          h("button", { type: "button", class: "danger", onclick: () =>
            confirmBar(confirmBox, `Delete key pair ${k.name}?`, "Delete", async () => {
              await call("DELETE", `/v2.1/os-keypairs/${encodeURIComponent(k.name)}`);
              refresh();
            }) }, "Delete"),
      },
    ],
  })(container);
}
