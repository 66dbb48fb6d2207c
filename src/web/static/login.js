// The login form: user, password and project → a project-scoped token.
import { login } from "./api.js";
import { field, h } from "./dom.js";

export function loginPage(container) {
  const user = h("input", { name: "user", autocomplete: "username", required: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const project = h("input", { name: "project", autocomplete: "off", placeholder: "your project's name" });
  const error = h("p", { class: "errors", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, "Log in");
  const form = h("form", { class: "panel login", "aria-label": "Log in" },
    h("h1", {}, "Log in"),
    field("User", user),
    field("Password", password),
    field("Project", project),
    error,
    h("div", { class: "buttons" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    submit.disabled = true;
    try {
      await login(user.value.trim(), password.value, project.value.trim());
    } catch (failure) {
      error.textContent = failure.status === 401 ? "The user, password or project is wrong." : failure.message;
    } finally {
      password.value = "";
      submit.disabled = false;
    }
  });
  container.replaceChildren(form);
  user.focus();
  return () => undefined;
}
