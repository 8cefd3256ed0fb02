// Small DOM helpers. Text from the API is only ever set as text, never parsed as HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const PALETTE = [
  ["#d2462f", "#8a2a18"], ["#2f6fd2", "#1b3f80"], ["#2b8a3e", "#1a5226"],
  ["#8b5cf6", "#4c2d99"], ["#d97706", "#8a4b04"], ["#0f8b8d", "#0a5657"],
];

/** A coloured block standing in for a missing picture: initials, and an optional caption. */
export function placeholder(seed, label, caption) {
  const [a, b] = PALETTE[Math.abs(Number(seed) || hash(String(label))) % PALETTE.length];
  const initials = String(label || "?")
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => Array.from(word)[0])
    .join("")
    .toUpperCase();
  const el = h("div", { class: "placeholder", role: "img", "aria-label": label || "No picture" },
    h("span", { class: "big", "aria-hidden": "true" }, initials || "?"),
    caption ? h("small", { "aria-hidden": "true" }, caption) : null);
  el.style.setProperty("--ph1", a);
  el.style.setProperty("--ph2", b);
  return el;
}

function hash(text) {
  let value = 0;
  for (const ch of text) value = (value * 31 + ch.codePointAt(0)) | 0;
  return value;
}

/**
 * A picture over its placeholder: the placeholder shows while the image loads (or waits, lazily,
 * below the fold) and stays when the URL is missing or fails to load.
 */
export function picture(url, { alt = "", seed = 0, label = "", caption = "" } = {}) {
  const fallback = placeholder(seed, label || alt, caption);
  if (!url) return fallback;
  fallback.setAttribute("aria-hidden", "true");
  const img = h("img", { src: url, alt, loading: "lazy", decoding: "async" });
  img.addEventListener("error", () => {
    img.remove();
    fallback.removeAttribute("aria-hidden");
  }, { once: true });
  img.addEventListener("load", () => fallback.remove(), { once: true });
  return [fallback, img];
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** `m:ss` for seconds (or `h:mm:ss`). */
export function clock(seconds) {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

export function errorBox(error) {
  return h("p", { class: "error", role: "alert" }, error && error.message ? error.message : String(error));
}

let toastTimer = 0;
export function toast(message) {
  const el = document.getElementById("toast");
  el.textContent = message;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.textContent = ""), 3000);
}
