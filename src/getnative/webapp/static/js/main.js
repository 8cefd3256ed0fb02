// Entry point: the hash router, the header (search, language, navigation).
import { auth } from "./api.js";
import { clear, errorBox, h } from "./dom.js";
import { LANGUAGES, setStudyLang, studyLang } from "./state.js";
import { browseView } from "./views/browse.js";
import { searchView } from "./views/search.js";
import { watchView } from "./views/watch.js";
import { accountView, cuedView, loginView, registerView, resetView } from "./views/account.js";
import { statsView, studyView } from "./views/study.js";

const ROUTES = [
  [/^\/$/, browseView, "browse"],
  [/^\/search$/, searchView, "search"],
  [/^\/videos\/(\d+)$/, watchView, "browse"],
  [/^\/login$/, loginView, "login"],
  [/^\/register$/, registerView, "login"],
  [/^\/reset$/, resetView, "login"],
  [/^\/account$/, accountView, "account"],
  [/^\/cued$/, cuedView, "cued"],
  [/^\/study\/(\d+)$/, studyView, "stats"],
  [/^\/stats$/, statsView, "stats"],
];

const view = document.getElementById("view");
let current = null; // AbortController of the shown view: stops its requests, timers, observers

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?", 2);
  return { path: path || "/", params: new URLSearchParams(query) };
}

async function route() {
  const { path, params } = parseHash();
  if (current) current.abort();
  current = new AbortController();
  const found = ROUTES.find(([pattern]) => pattern.test(path));
  renderNav(found ? found[2] : "");
  clear(view);
  if (!found) {
    view.append(h("h1", {}, "Page not found"), h("p", {}, h("a", { href: "#/" }, "Back to the newest videos")));
    return;
  }
  const [pattern, render] = found;
  const ctx = { params, match: path.match(pattern), signal: current.signal, lang: params.get("lang") || studyLang() };
  try {
    await render(view, ctx);
  } catch (error) {
    if (error.name === "AbortError") return;
    console.error(error);
    view.append(errorBox(error));
  }
  if (ctx.signal.aborted) return;
  const heading = view.querySelector("h1");
  if (heading && document.activeElement !== document.getElementById("search-q")) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

function renderNav(active) {
  const links = [["#/", "Videos", "browse"]];
  if (auth.loggedIn) {
    links.push(["#/cued", "Cued", "cued"], ["#/stats", "Study stats", "stats"], ["#/account", "Account", "account"]);
  } else {
    links.push(["#/login", "Log in", "login"]);
  }
  const nav = document.getElementById("nav");
  nav.replaceChildren(
    ...links.map(([href, label, key]) =>
      h("a", { href, "aria-current": key === active ? "page" : null }, label),
    ),
  );
}

function setupHeader() {
  const select = document.getElementById("lang-select");
  const lang = studyLang();
  const codes = lang in LANGUAGES ? Object.keys(LANGUAGES) : [...Object.keys(LANGUAGES), lang];
  select.replaceChildren(...codes.map((code) => h("option", { value: code, selected: code === lang, lang: code }, LANGUAGES[code] || code)));
  select.addEventListener("change", () => {
    setStudyLang(select.value);
    const { path, params } = parseHash();
    params.delete("lang");
    const query = params.toString();
    navigate(`#${path}${query ? `?${query}` : ""}`);
  });
  // The skip link must not change the hash (the router owns it): it only moves the focus.
  document.querySelector(".skip").addEventListener("click", (event) => {
    event.preventDefault();
    view.focus();
  });
  const form = document.getElementById("search-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = form.elements.q.value.trim();
    if (q) navigate(`#/search?q=${encodeURIComponent(q)}`);
  });
}

auth.onChange(() => renderNav(parseHash().path.slice(1) || "browse"));
window.addEventListener("hashchange", route);
setupHeader();
route();
