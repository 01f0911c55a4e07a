// The public directory of this instance: the GPTs published to everyone, by category.
import { get, requireSession } from "../api.js";
import { $, h } from "../dom.js";
import { initHeader, ready } from "../ui.js";

const enc = encodeURIComponent;
await requireSession();
initHeader();
const list = $("#directory-list");
const more = $("#directory-more");
let cursor = null;

function card(gpt) {
  return h("li", {},
    h("div", {},
      h("a", { class: "gpt-name", href: `/g/${enc(gpt.id)}` }, gpt.name || "Untitled GPT"),
      h("div", { class: "muted small" }, gpt.description || "")),
    gpt.category ? h("span", { class: "badge" }, gpt.category) : null);
}

async function load(reset) {
  if (reset) {
    cursor = null;
    list.replaceChildren();
  }
  const category = $("#category-filter").value;
  const query = new URLSearchParams({ limit: "50" });
  if (category) query.set("category", category);
  if (cursor) query.set("cursor", cursor);
  const page = await get(`/directory?${query}`);
  list.append(...page.items.map(card));
  cursor = page.next_cursor;
  more.hidden = !cursor;
  $("#directory-empty").hidden = list.childElementCount > 0;
}

$("#category-filter").addEventListener("change", () => load(true));
more.addEventListener("click", () => load(false));
await load(true);
ready();
