// Study: a timed session on a video (`POST /study`), writing answers with their words per
// minute (computed by the server), and the statistics of a language as pictures.
import { api, auth, records } from "../api.js";
import { calendarLegend, streakCalendar, wpmTrend } from "../charts.js";
import { clock, errorBox, h } from "../dom.js";
import { languageName } from "../state.js";
import { videoTitle } from "./cards.js";
import { makePlayer } from "./watch.js";

const DURATIONS = [5, 10, 15, 30];

function requireLogin(next) {
  if (auth.loggedIn) return true;
  location.hash = `#/login?next=${encodeURIComponent(next)}`;
  return false;
}

export async function studyView(view, { match, signal }) {
  if (!requireLogin(`/study/${match[1]}`)) return;
  const video = await api(`/videos/${match[1]}`, { signal });
  const title = videoTitle(video);
  view.append(h("h1", {}, `Study: ${title}`));
  const choices = h("fieldset", { class: "row" }, h("legend", {}, "How long will you study?"),
    DURATIONS.map((minutes) => h("label", { class: "button" },
      h("input", { type: "radio", name: "minutes", value: minutes, checked: minutes === 10 }), `${minutes} min`)));
  const start = h("button", { type: "button", class: "primary", id: "start-study" }, "Start session");
  const setup = h("section", { class: "panel" }, choices, h("p", {}, start));
  view.append(setup);
  start.addEventListener("click", async () => {
    start.disabled = true;
    const minutes = Number(choices.querySelector("input:checked").value);
    try {
      const session = await api("/study", { method: "POST", body: { video_id: video.id, time: minutes * 60 } });
      setup.replaceWith(runningSession(session, minutes * 60, signal));
    } catch (error) {
      start.disabled = false;
      setup.append(errorBox(error));
    }
  });
}

function runningSession(session, seconds, signal) {
  const video = session.video;
  const timer = h("p", { class: "timer", role: "timer", "aria-label": "Time left" }, clock(seconds));
  const endsAt = Date.now() + seconds * 1000;
  const status = h("p", { class: "muted", "aria-live": "polite" }, "Session started: it counts toward your statistics.");
  const tick = setInterval(() => {
    const left = Math.max(0, (endsAt - Date.now()) / 1000);
    timer.textContent = clock(left);
    if (left <= 0) {
      clearInterval(tick);
      timer.classList.add("done");
      status.textContent = "Time is up. Well done!";
    }
  }, 250);
  signal.addEventListener("abort", () => clearInterval(tick));
  const statsLink = h("a", { class: "button", href: `#/stats?lang=${encodeURIComponent(video.lang)}` }, "See your statistics");
  const left = h("div", {}, timer, status, makePlayer(video, videoTitle(video)).element, h("p", {}, statsLink));
  return h("div", { class: "study" }, left, writingPanel(session));
}

function writingPanel(session) {
  const video = session.video;
  const questions = records(video.writing_questions);
  const panel = h("section", { class: "panel", "aria-labelledby": "writing-h" }, h("h2", { id: "writing-h" }, "Write about it"));
  if (!questions.length) {
    panel.append(h("p", { class: "muted" }, "This video has no writing questions: watch it, and try to repeat what you hear."));
    return panel;
  }
  const select = h("select", { id: "question", name: "question", lang: video.lang },
    questions.map((q) => h("option", { value: q.id }, q.text)));
  const text = h("textarea", { id: "answer", name: "answer", lang: video.lang, required: true, maxlength: 10000 });
  const submit = h("button", { type: "submit", class: "primary" }, "Send answer");
  const result = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "grid-form" },
    h("p", {}, h("label", { for: "question" }, "Question "), select),
    h("p", { class: "question", lang: video.lang }, questions[0].text),
    h("label", { for: "answer", class: "visually-hidden" }, "Your answer"), text,
    h("p", {}, submit), result);
  select.addEventListener("change", () => (form.querySelector(".question").textContent = select.selectedOptions[0].textContent));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      await api("/study/writing_answers", { method: "POST", body: {
        study_session_id: session.id, writing_question_id: Number(select.value), answer: text.value,
      } });
      const latest = records(await api(`/study/writing_answers/${encodeURIComponent(video.lang)}`, { query: { count: 1 } }))[0];
      result.replaceChildren(h("p", { class: "result success" },
        h("strong", {}, latest.wpm), " words per minute · ", latest.word_count, video.lang === "ja" || video.lang === "zh" ? " characters" : " words"));
      text.value = "";
    } catch (error) {
      result.replaceChildren(errorBox(error));
    } finally {
      submit.disabled = false;
    }
  });
  panel.append(form);
  return panel;
}

const GN_DATE = /^\w{3} (\w{3}) (\d{1,2}) (\d\d):(\d\d):(\d\d) \+0000 (\d{4})$/;
const MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

function parseDate(text) {
  const m = GN_DATE.exec(text || "");
  if (!m) return null;
  return new Date(Date.UTC(Number(m[6]), MONTHS.indexOf(m[1]) / 3, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
}

function duration(seconds) {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.round((seconds % 3600) / 60);
  return hours ? `${hours} h ${minutes} min` : `${minutes} min`;
}

function todayIso() {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

export async function statsView(view, { signal, lang }) {
  if (!requireLogin("/stats")) return;
  const [stats, answerList] = await Promise.all([
    api(`/study/stats/${encodeURIComponent(lang)}`, { signal }),
    api(`/study/writing_answers/${encodeURIComponent(lang)}`, { query: { count: 60 }, signal }),
  ]);
  view.append(h("h1", {}, "Your study ", h("span", { class: "muted" }, `in ${languageName(lang)}`)));
  const tile = (label, value) => h("div", { class: "tile" }, h("dt", {}, label), h("dd", {}, value));
  view.append(h("dl", { class: "tiles" },
    tile("Current streak", `${stats.consecutive_days} d`),
    tile("Longest streak", `${stats.longest_consecutive_days} d`),
    tile("Sessions", stats.total_study_sessions),
    tile("Time studied", duration(stats.total_time_studied || 0)),
    tile("Most words", stats.maximum_words),
    tile("Best speed", `${stats.maximum_wpm} wpm`)));

  view.append(h("h2", { id: "calendar-h" }, "Streak calendar"));
  const days = stats.study_days ? records(stats.study_days) : [];
  const label = `Days studied in the last year: ${days.length}. Current streak ${stats.consecutive_days} days.`;
  view.append(h("figure", { class: "chart", "aria-labelledby": "calendar-h" },
    streakCalendar({ today: stats.today || todayIso(), days, label }),
    h("figcaption", { class: "legend" }, "Less ",
      calendarLegend.map(([, color, name]) => { const i = h("i", { title: name }); i.style.background = color; return i; }), " More")));

  view.append(h("h2", { id: "trend-h" }, "Writing speed"));
  const answers = records(answerList).slice().reverse();
  if (!answers.length) {
    view.append(h("p", { class: "muted" }, "Answer a writing question in a study session to see your words per minute here."));
    return;
  }
  const points = answers.map((a) => {
    const date = parseDate(a.created_at);
    return { wpm: a.wpm || 0, words: a.word_count || 0, label: date ? date.toLocaleDateString() : "" };
  });
  view.append(h("figure", { class: "chart", "aria-labelledby": "trend-h" },
    wpmTrend(points, { label: `Words per minute of your last ${points.length} answers, latest ${points[points.length - 1].wpm}.` })));
  view.append(h("h2", {}, "Recent answers"), h("ul", { class: "answers" },
    answers.slice(-5).reverse().map((a) => h("li", { lang: a.lang },
      h("p", { class: "muted" }, a.writing_question ? a.writing_question.text : ""),
      h("p", {}, a.answer),
      h("p", { class: "muted" }, `${a.word_count} words · ${a.wpm} wpm`)))));
}
