// Watch: the video, its transcript (timed cues highlighted while spoken, click to seek),
// collocations with usage examples, like / cue / study, related videos.
import { api, auth, records } from "../api.js";
import { clock, h, picture, placeholder, toast } from "../dom.js";
import { languageName } from "../state.js";
import { videoCard, videoTitle } from "./cards.js";

export async function watchView(view, { match, params, signal }) {
  const video = await api(`/videos/${match[1]}`, { signal });
  const title = videoTitle(video);
  const startMs = Number(params.get("t")) || 0;
  const player = makePlayer(video, title);
  const transcripts = records(video.transcripts);
  const phrases = transcripts.flatMap((t) => records(t.collocations).map((c) => c.text)).filter(Boolean);

  const main = h("div", { class: "main-col" },
    player.element,
    h("h1", {}, title),
    speakerLine(video.speaker),
    video.description ? h("p", {}, video.description) : null,
    actions(video),
    transcripts.map((t) => transcriptPanel(t, player, phrases, startMs)));
  const side = h("aside", { class: "side-col", "aria-label": "Collocations and related videos" },
    collocationsPanel(transcripts),
    relatedPanel(video));
  view.append(h("div", { class: "watch" }, main, side));
  if (startMs) player.seek(startMs);
}

export function makePlayer(video, title) {
  const frame = h("div", { class: "player" });
  const fallback = () =>
    frame.replaceChildren(placeholder(video.id, title, "This video cannot be played here"));
  let element = null;
  if (video.video_url) {
    element = h("video", {
      src: video.video_url, controls: true, preload: "metadata", playsinline: true,
      poster: video.thumbnail_image_url || null, "aria-label": `Video: ${title}`,
    });
    element.addEventListener("error", () => {
      element = null;
      fallback();
    }, { once: true });
    frame.append(element);
  } else {
    fallback();
  }
  const listeners = [];
  return {
    element: frame,
    onTime(fn) {
      listeners.push(fn);
      if (element) element.addEventListener("timeupdate", (event) => fn(event.target.currentTime * 1000));
    },
    seek(ms) {
      listeners.forEach((fn) => fn(ms)); // highlight at once, even when the media cannot play
      if (!element) return;
      element.currentTime = ms / 1000;
      element.play().catch(() => {});
    },
  };
}

function speakerLine(speaker) {
  if (!speaker) return null;
  return h("div", { class: "speaker" },
    h("div", { class: "avatar" }, picture(speaker.picture_url || speaker.thumbnail_image_url, { alt: "", seed: speaker.id, label: speaker.name })),
    h("div", {}, h("strong", {}, speaker.name), speaker.location ? h("div", { class: "muted" }, speaker.location) : null));
}

function actions(video) {
  const like = toggle(video, {
    pressed: Boolean(video.liked), on: "like", off: "unlike",
    label: (pressed, count) => `${pressed ? "♥ Liked" : "♡ Like"} · ${count}`,
    count: video.like_count ?? (video.likes && video.likes.count) ?? 0,
  });
  const cue = toggle(video, {
    pressed: Boolean(video.cued), on: "cue", off: "uncue",
    label: (pressed) => (pressed ? "✓ In your cue" : "+ Cue for later"),
  });
  const study = h("a", { class: "button primary", href: auth.loggedIn ? `#/study/${video.id}` : `#/login?next=${encodeURIComponent(`/study/${video.id}`)}` }, "Study this video");
  return h("div", { class: "actions" }, like, cue, study);
}

function toggle(video, { pressed, on, off, label, count = 0 }) {
  const button = h("button", { type: "button", "aria-pressed": String(pressed), "data-action": on }, label(pressed, count));
  button.addEventListener("click", async () => {
    if (!auth.loggedIn) {
      location.hash = `#/login?next=${encodeURIComponent(`/videos/${video.id}`)}`;
      return;
    }
    button.disabled = true;
    try {
      await api(`/videos/${video.id}/${pressed ? off : on}`, { method: "POST" });
      count += pressed ? -1 : 1;
      pressed = !pressed;
      button.setAttribute("aria-pressed", String(pressed));
      button.textContent = label(pressed, Math.max(0, count));
    } catch (error) {
      toast(error.message);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** Text with every collocation of the video marked. */
function marked(text, phrases) {
  const escaped = [...new Set(phrases)].sort((a, b) => b.length - a.length)
    .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (!escaped.length) return [text];
  const pattern = new RegExp(`(${escaped.join("|")})`, "giu");
  return text.split(pattern).map((part, i) => (i % 2 ? h("mark", { class: "colloc" }, part) : part));
}

function transcriptPanel(transcript, player, phrases, startMs) {
  const lang = transcript.lang || transcript.language_code;
  const cues = records(transcript.cues);
  const heading = h("h2", {}, `Transcript `, h("span", { class: "muted" }, `(${languageName(lang)})`));
  const panel = h("section", { class: "panel transcript", lang, "aria-label": `Transcript, ${languageName(lang)}` });
  if (!cues.length) {
    const lines = String(transcript.text || "").split(/\n+/).filter((line) => line.trim());
    panel.append(...lines.map((line) => h("p", {}, marked(line, phrases))));
    return [heading, panel];
  }
  const items = cues.map((cue) =>
    h("li", { "data-start": cue.start_ms },
      h("button", { type: "button", "aria-label": `${clock(cue.start_ms / 1000)} ${cue.text}` },
        h("span", { class: "at", "aria-hidden": "true" }, clock(cue.start_ms / 1000)),
        h("span", {}, marked(cue.text, phrases)))));
  items.forEach((item, i) => item.firstChild.addEventListener("click", () => player.seek(cues[i].start_ms)));
  let active = null;
  player.onTime((ms) => {
    const index = cues.findIndex((cue, i) => ms >= cue.start_ms && ms < (cue.end_ms ?? (cues[i + 1] || {}).start_ms ?? Infinity));
    const item = index >= 0 ? items[index] : null;
    if (item === active) return;
    if (active) active.removeAttribute("aria-current");
    active = item;
    if (!item) return;
    item.setAttribute("aria-current", "true");
    const top = item.offsetTop - panel.offsetTop;
    if (top < panel.scrollTop || top > panel.scrollTop + panel.clientHeight - item.offsetHeight) {
      panel.scrollTo({ top: Math.max(0, top - panel.clientHeight / 3), behavior: "smooth" });
    }
  });
  panel.append(h("ol", { class: "cues" }, items));
  return [heading, panel];
}

function collocationsPanel(transcripts) {
  const collocations = transcripts.flatMap((t) => records(t.collocations).map((c) => ({ ...c, lang: t.lang })));
  if (!collocations.length) return null;
  return h("section", { class: "panel collocations", "aria-labelledby": "colloc-h" },
    h("h2", { id: "colloc-h" }, "Collocations"),
    h("dl", {}, collocations.map((c) => [
      h("dt", { lang: c.lang }, c.text, c.pronunciation || c.ipa_spelling ? h("span", { class: "pron" }, c.pronunciation || c.ipa_spelling) : null),
      h("dd", {}, c.description || "",
        records(c.usage_examples).length
          ? h("ul", { lang: c.lang, "aria-label": "Usage examples" }, records(c.usage_examples).map((e) => h("li", {}, e.text)))
          : null),
    ])));
}

function relatedPanel(video) {
  const related = records(video.related_videos);
  if (!related.length) return null;
  return h("section", { class: "related", "aria-labelledby": "related-h" },
    h("h2", { id: "related-h" }, "Related videos"),
    h("ul", { class: "grid" }, related.map(videoCard)));
}
