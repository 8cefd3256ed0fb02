// Search: the catalog by words (`GET /videos?q=`), and moments (`GET /clips?q=`) when the
// server has them. A server without /clips answers 404 and the moments section stays away.
import { api, records } from "../api.js";
import { clock, errorBox, h } from "../dom.js";
import { languageName } from "../state.js";
import { videoCard, videoTitle } from "./cards.js";

const RESULTS = 48; // relevance-ranked: one generous page rather than an id cursor

export async function searchView(view, { params, signal, lang }) {
  const q = (params.get("q") || "").trim();
  const input = document.getElementById("search-q");
  if (input && document.activeElement !== input) input.value = q;
  view.append(h("h1", {}, q ? `“${q}”` : "Search", " ", h("span", { class: "muted" }, `in ${languageName(lang)}`)));
  if (!q) {
    view.append(h("p", { class: "muted" }, "Type words or a phrase in the search box: a topic, a speaker, or something said in a video."));
    return;
  }
  const moments = h("section", { "aria-labelledby": "moments-h", hidden: true });
  const videos = h("section", { "aria-labelledby": "videos-h" }, h("h2", { id: "videos-h" }, "Videos"));
  view.append(moments, videos);
  await Promise.all([loadVideos(videos, q, lang, signal), loadMoments(moments, q, lang, signal)]);
}

async function loadVideos(section, q, lang, signal) {
  try {
    const found = records(await api("/videos", { query: { q, lang, count: RESULTS }, signal }));
    section.append(found.length
      ? h("ul", { class: "grid" }, found.map(videoCard))
      : h("p", { class: "end" }, "No videos match. Try fewer or other words."));
  } catch (error) {
    if (error.name !== "AbortError") section.append(errorBox(error));
  }
}

async function loadMoments(section, q, lang, signal) {
  let clips;
  try {
    clips = records(await api("/clips", { query: { q, lang }, signal }));
  } catch (error) {
    return; // no /clips on this server (404), or it failed: the video results stand alone
  }
  section.hidden = false;
  section.append(h("h2", { id: "moments-h" }, "Moments"));
  if (!clips.length) {
    section.append(h("p", { class: "muted" }, "Nobody says that in a video yet."));
    return;
  }
  section.append(h("ul", { class: "notifications moments" }, clips.map(momentItem)));
}

function momentItem(clip) {
  const video = clip.video && typeof clip.video === "object" ? clip.video : { id: clip.video ?? clip.video_id };
  const speaker = (video.speaker && video.speaker.name) || "";
  return h("li", {},
    h("div", {},
      h("h3", { lang: video.lang || null }, h("a", { href: `#/videos/${video.id}?t=${Math.round(clip.start_ms)}` }, clip.text)),
      h("p", { class: "muted" }, [videoTitle(video), speaker, `at ${clock(clip.start_ms / 1000)}`].filter(Boolean).join(" · "))));
}
