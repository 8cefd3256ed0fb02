// Browse: categories and subcategories, and the newest videos of the study language.
import { api, records } from "../api.js";
import { h } from "../dom.js";
import { languageName } from "../state.js";
import { videoList } from "./cards.js";

export async function browseView(view, { params, signal, lang }) {
  const categoryId = params.get("category");
  const subcategoryId = params.get("subcategory");
  const categories = records(await api("/categories", { signal }));
  const category = categories.find((c) => String(c.id) === categoryId);
  const subcategory = category && records(category.subcategories).find((s) => String(s.id) === subcategoryId);
  const scope = subcategory ? subcategory.name : category ? category.name : "Newest videos";
  view.append(h("h1", {}, `${scope} `, h("span", { class: "muted" }, `in ${languageName(lang)}`)));

  const link = (query, label, currentFlag) =>
    h("a", { href: `#/${query ? `?${query}` : ""}`, "aria-current": currentFlag ? "true" : null }, label);
  view.append(h("nav", { class: "chips", "aria-label": "Categories" },
    link("", "All", !category),
    categories.map((c) => link(`category=${c.id}`, c.name, category && c.id === category.id && !subcategory))));
  if (category) {
    view.append(h("nav", { class: "chips sub", "aria-label": `${category.name} subcategories` },
      records(category.subcategories).map((s) =>
        link(`category=${category.id}&subcategory=${s.id}`, s.name, subcategory && s.id === subcategory.id))));
  }
  const query = { lang };
  if (subcategory) query.subcategory_id = subcategory.id;
  else if (category) query.category_id = category.id;
  await videoList(view, query, { signal, empty: `No ${languageName(lang)} videos here yet.` });
}
