// The learner's study language, kept across visits. The API lists no languages, so the page
// offers the ones the catalog is made for; any BCP 47 code in the URL (`?lang=`) works too.

export const LANGUAGES = { en: "English", ja: "日本語" };
const LANG_KEY = "gn.lang";

export function studyLang() {
  const stored = localStorage.getItem(LANG_KEY);
  if (stored) return stored;
  const browser = (navigator.language || "en").split("-")[0];
  return browser in LANGUAGES ? browser : "en";
}

export function setStudyLang(lang) {
  localStorage.setItem(LANG_KEY, lang);
}

export function languageName(lang) {
  return LANGUAGES[lang] || lang;
}
