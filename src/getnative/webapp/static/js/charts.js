// Statistics as pictures, drawn as SVG: the streak calendar and the words-per-minute trend.
import { svg } from "./dom.js";

const CELL = 11;
const STEP = 13;
const WEEKS = 53;
const LEVELS = [
  [0, "#e9ecf1", "no study"],
  [600, "#f8c9bf", "under 10 min"],
  [1200, "#ef9583", "10–20 min"],
  [2400, "#dd5a41", "20–40 min"],
  [Infinity, "#a6321e", "40 min or more"],
];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function levelColor(seconds) {
  if (!seconds) return LEVELS[0][1];
  return LEVELS.slice(1).find(([limit]) => seconds < limit)[1];
}

export const calendarLegend = LEVELS;

/** `YYYY-MM-DD` -> a Date at UTC midnight (calendar arithmetic without time zones). */
function day(text) {
  const [y, m, d] = text.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

function iso(date) {
  return date.toISOString().slice(0, 10);
}

/**
 * 53 week columns (Monday first) ending with the week of `today`; each studied day coloured by
 * the time studied. `days`: [{date, sessions, time}].
 */
export function streakCalendar({ today, days, label }) {
  const end = day(today);
  const weekday = (end.getUTCDay() + 6) % 7; // Monday = 0
  const start = new Date(end.getTime() - ((WEEKS - 1) * 7 + weekday) * 86400000);
  const byDate = new Map(days.map((d) => [d.date, d]));
  const left = 28;
  const top = 16;
  const root = svg("svg", {
    viewBox: `0 0 ${left + WEEKS * STEP} ${top + 7 * STEP}`, role: "img", "aria-label": label, class: "calendar",
  });
  ["Mon", "Wed", "Fri"].forEach((name, i) =>
    root.append(svg("text", { x: 0, y: top + i * 2 * STEP + CELL - 1 }, name)));
  let lastMonth = -1;
  for (let week = 0; week < WEEKS; week++) {
    for (let row = 0; row < 7; row++) {
      const date = new Date(start.getTime() + (week * 7 + row) * 86400000);
      if (date > end) break;
      const key = iso(date);
      const studied = byDate.get(key);
      if (row === 0 && date.getUTCMonth() !== lastMonth && week < WEEKS - 2) {
        lastMonth = date.getUTCMonth();
        root.append(svg("text", { x: left + week * STEP, y: 10 }, MONTHS[lastMonth]));
      }
      const minutes = studied ? Math.round(studied.time / 60) : 0;
      const title = studied
        ? `${key}: ${studied.sessions} session${studied.sessions === 1 ? "" : "s"}, ${minutes} min`
        : `${key}: no study`;
      root.append(svg("rect", {
        x: left + week * STEP, y: top + row * STEP, width: CELL, height: CELL, rx: 2,
        fill: levelColor(studied ? studied.time : 0),
        stroke: key === today ? "#1d2330" : null, "stroke-width": key === today ? 1.5 : null,
        "data-date": key, "data-studied": studied ? "true" : null,
      }, svg("title", {}, title)));
    }
  }
  return root;
}

function niceMax(value) {
  if (value <= 10) return 10;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return Math.ceil((value * 1.1) / magnitude) * magnitude;
}

/** The words per minute of each answer, oldest first: a line with a dot per answer. */
export function wpmTrend(points, { label }) {
  const width = 640;
  const height = 220;
  const pad = { left: 36, right: 12, top: 12, bottom: 28 };
  const max = niceMax(Math.max(...points.map((p) => p.wpm), 0));
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const x = (i) => pad.left + (points.length === 1 ? innerW / 2 : (i * innerW) / (points.length - 1));
  const y = (v) => pad.top + innerH - (v / max) * innerH;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, class: "trend" });
  for (let i = 0; i <= 4; i++) {
    const value = (max * i) / 4;
    root.append(
      svg("line", { x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value), stroke: "#e3e6ec" }),
      svg("text", { x: pad.left - 6, y: y(value) + 3, "text-anchor": "end" }, Math.round(value)));
  }
  root.append(svg("text", { x: pad.left, y: height - 8 }, points[0].label),
    svg("text", { x: width - pad.right, y: height - 8, "text-anchor": "end" }, points[points.length - 1].label));
  const path = points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.wpm).toFixed(1)}`).join(" ");
  const area = `${path} L${x(points.length - 1).toFixed(1)},${y(0)} L${x(0).toFixed(1)},${y(0)} Z`;
  root.append(svg("path", { d: area, fill: "rgb(210 70 47 / .10)" }),
    svg("path", { d: path, fill: "none", stroke: "#d2462f", "stroke-width": 2.5, "stroke-linejoin": "round" }));
  points.forEach((p, i) => root.append(svg("circle", { cx: x(i), cy: y(p.wpm), r: 4, fill: "#fff", stroke: "#d2462f", "stroke-width": 2 },
    svg("title", {}, `${p.label}: ${p.wpm} words per minute (${p.words} words)`))));
  return root;
}
