// Video cards and the infinitely scrolling list shared by browse, search and the cued list.
import { api, records } from "../api.js";
import { clock, errorBox, h, picture } from "../dom.js";

export const PAGE_SIZE = 12;

export function videoTitle(video) {
  return (video.subcategory && video.subcategory.name) || `Video ${video.id}`;
}

/** Timed text of a search hit or transcript (`{start_ms, end_ms, text}`), as a link to it. */
export function momentLink(videoId, moment) {
  return h("a", { href: `#/videos/${videoId}?t=${Math.max(0, Math.round(moment.start_ms))}` },
    h("span", { class: "at" }, clock(moment.start_ms / 1000)), " ", moment.text);
}

export function videoCard(video) {
  const speaker = video.speaker || {};
  const title = videoTitle(video);
  const thumb = picture(video.thumbnail_image_url || video.picture_url, {
    alt: "", seed: video.id, label: title, caption: speaker.name,
  });
  const matches = records(video.matches).slice(0, 3);
  // No `lang` on the card: titles and descriptions are in the site's language; matches are not.
  return h("li", { class: "card" },
    h("a", { href: `#/videos/${video.id}`, "aria-label": `${title}, ${speaker.name || ""}, ${clock(video.length || 0)}` },
      h("div", { class: "thumb" }, thumb, h("span", { class: "len", "aria-hidden": "true" }, clock(video.length || 0))),
      h("div", { class: "body" },
        h("p", { class: "title" }, title),
        h("p", { class: "meta" }, [speaker.name, speaker.location].filter(Boolean).join(" · ")),
        video.description ? h("p", { class: "desc" }, video.description) : null)),
    matches.length
      ? h("ul", { class: "matches", lang: video.lang || null, "aria-label": "Moments in this video" },
          matches.map((moment) => h("li", {}, momentLink(video.id, moment))))
      : null);
}

/**
 * Pages of `GET /videos` by `max_id` (inclusive: the next page asks for the lowest id minus one)
 * into `container`, loading the next page when the end of the list scrolls into view, and on
 * the "Load more" button for keyboard users. Stops at a short page.
 */
export function videoList(container, query, { signal, empty = "No videos yet." } = {}) {
  const grid = h("ul", { class: "grid", "aria-live": "polite" });
  const button = h("button", { type: "button" }, "Load more videos");
  const more = h("div", { class: "more" }, button);
  container.append(grid, more);
  let maxId = null;
  let loading = false;
  let done = false;
  let observer = null;

  async function load() {
    if (loading || done) return;
    loading = true;
    button.disabled = true;
    button.textContent = "Loading…";
    try {
      const page = await api("/videos", { query: { ...query, count: PAGE_SIZE, max_id: maxId }, signal });
      const videos = records(page);
      grid.append(...videos.map(videoCard));
      if (videos.length) maxId = Math.min(...videos.map((v) => v.id)) - 1;
      done = videos.length < PAGE_SIZE || maxId < 1;
    } catch (error) {
      if (error.name === "AbortError") return;
      more.before(errorBox(error));
      done = true;
    } finally {
      loading = false;
    }
    if (done) {
      if (observer) observer.disconnect();
      more.replaceWith(h("p", { class: "end" }, grid.children.length ? "That's all for now." : empty));
    } else {
      button.disabled = false;
      button.textContent = "Load more videos";
      if (observer) {
        // Observing anew reports the current state: still in view (a short page, a tall
        // screen) loads the next page at once instead of waiting for a change that never comes.
        observer.unobserve(more);
        observer.observe(more);
      }
    }
  }

  button.addEventListener("click", load);
  if ("IntersectionObserver" in window) {
    observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) load();
    }, { rootMargin: "400px" });
    observer.observe(more);
    signal.addEventListener("abort", () => observer.disconnect());
  }
  return load();
}
