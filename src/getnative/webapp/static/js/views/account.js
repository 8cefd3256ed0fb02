// Account: log in, register, log out, the account page with notifications, the cued list,
// and the password-reset page the reset mail links to (`#/reset?token=...`).
import { api, auth, records } from "../api.js";
import { errorBox, h, toast } from "../dom.js";
import { languageName, LANGUAGES, setStudyLang } from "../state.js";
import { videoList } from "./cards.js";

function field(label, attrs, hint) {
  return h("label", {}, label, h("input", attrs), hint ? h("span", { class: "hint" }, hint) : null);
}

/** A form whose submit runs `action(values)`; errors show above the button. */
function form(name, fields, submitLabel, action) {
  const status = h("div", { "aria-live": "assertive" });
  const button = h("button", { type: "submit", class: "primary" }, submitLabel);
  const el = h("form", { class: "form", name, novalidate: false }, fields, status, h("div", { class: "row" }, button));
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.replaceChildren();
    button.disabled = true;
    try {
      await action(Object.fromEntries(new FormData(el)));
    } catch (error) {
      status.replaceChildren(errorBox(error));
    } finally {
      button.disabled = false;
    }
  });
  return el;
}

function nextHash(params) {
  const next = params.get("next") || "/";
  return next.startsWith("/") ? `#${next}` : "#/";
}

export function loginView(view, { params }) {
  view.append(h("h1", {}, "Log in"));
  view.append(form("login", [
    field("Email", { name: "email", type: "email", required: true, autocomplete: "email" }),
    field("Password", { name: "password", type: "password", required: true, autocomplete: "current-password" }),
  ], "Log in", async ({ email, password }) => {
    await api("/login", { method: "POST", body: { email, password } });
    location.hash = nextHash(params);
  }));
  view.append(h("p", {}, "New here? ", h("a", { href: `#/register${params.get("next") ? `?next=${encodeURIComponent(params.get("next"))}` : ""}` }, "Create an account"), "."));
}

export function registerView(view, { params, lang }) {
  view.append(h("h1", {}, "Create an account"));
  view.append(form("register", [
    field("Email", { name: "email", type: "email", required: true, autocomplete: "email" }),
    field("Password", { name: "password", type: "password", required: true, minlength: 6, autocomplete: "new-password" }, "At least 6 characters."),
  ], "Create account", async ({ email, password }) => {
    await api("/register", { method: "POST", body: { email, password } });
    // Streak days are the account's local days: tell the server this browser's offset.
    const offset = -new Date().getTimezoneOffset() * 60;
    await api("/account", { method: "PATCH", body: { utc_offset: offset, default_study_language_code: lang } }).catch(() => {});
    toast("Welcome to Get Native!");
    location.hash = nextHash(params);
  }));
  view.append(h("p", {}, "Already have an account? ", h("a", { href: "#/login" }, "Log in"), "."));
}

export function resetView(view, { params }) {
  view.append(h("h1", {}, "Choose a new password"));
  const token = params.get("token");
  if (!token) {
    view.append(h("p", { class: "notice" }, "Open this page from the link in your password-reset mail: the link carries the code that proves the mail reached you."));
    return;
  }
  view.append(form("reset", [
    field("New password", { name: "password", type: "password", required: true, minlength: 6, autocomplete: "new-password" }, "At least 6 characters."),
    field("Repeat it", { name: "again", type: "password", required: true, minlength: 6, autocomplete: "new-password" }),
  ], "Set password", async ({ password, again }) => {
    if (password !== again) throw new Error("The two passwords differ.");
    await api("/password_reset/confirm", { method: "POST", body: { token, new_password: password } });
    auth.clear(); // every earlier session of the account has just been revoked
    view.replaceChildren(h("h1", {}, "Password changed"),
      h("p", { class: "success", role: "status" }, "Your new password is set. Every other session was logged out."),
      h("p", {}, h("a", { class: "button primary", href: "#/login" }, "Log in")));
  }));
}

export async function accountView(view, { signal }) {
  if (!auth.loggedIn) {
    location.hash = "#/login?next=%2Faccount";
    return;
  }
  const account = await api("/account", { signal });
  view.append(h("h1", {}, "Your account"));
  const select = h("select", { name: "lang", id: "default-lang" },
    Object.entries(LANGUAGES).map(([code, name]) => h("option", { value: code, selected: code === account.default_study_language_code }, name)));
  select.addEventListener("change", async () => {
    await api("/account", { method: "PATCH", body: { default_study_language_code: select.value } });
    setStudyLang(select.value);
    toast(`You now study ${languageName(select.value)}.`);
  });
  const logout = h("button", { type: "button" }, "Log out");
  logout.addEventListener("click", () => {
    auth.clear();
    toast("You are logged out.");
    location.hash = "#/";
  });
  view.append(
    h("p", {}, "Logged in as ", h("strong", {}, account.email)),
    h("div", { class: "row" }, h("label", { for: "default-lang" }, "Study language "), select, logout),
    h("h2", {}, "Notifications"));
  const list = h("ul", { class: "notifications" });
  view.append(list);
  const notes = records(await api("/notifications", { signal }));
  if (!notes.length) list.replaceWith(h("p", { class: "muted" }, "No notifications."));
  list.append(...notes.map((note) => notificationItem(note)));
}

function notificationItem(note) {
  const dismiss = h("button", { type: "button", "aria-label": `Dismiss “${note.title}”` }, "Dismiss");
  const item = h("li", {}, h("div", {}, h("h3", {}, note.title), h("p", {}, note.text)), dismiss);
  dismiss.addEventListener("click", async () => {
    dismiss.disabled = true;
    try {
      await api(`/notifications/${note.id}`, { method: "DELETE" });
      item.remove();
    } catch (error) {
      dismiss.disabled = false;
      toast(error.message);
    }
  });
  return item;
}

export async function cuedView(view, { signal, lang }) {
  if (!auth.loggedIn) {
    location.hash = "#/login?next=%2Fcued";
    return;
  }
  view.append(h("h1", {}, "Your cue ", h("span", { class: "muted" }, `in ${languageName(lang)}`)));
  await videoList(view, { lang, cued_only: "true" }, { signal, empty: "Nothing cued yet: press “Cue for later” on a video." });
}
