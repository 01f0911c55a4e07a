// My GPTs: the workspace's GPTs the user can edit; create one, open one.
import { currentWorkspace, get, post, requireSession } from "../api.js";
import { fill, h } from "../dom.js";
import { initHeader, toast, ready } from "../ui.js";

await requireSession();
initHeader();
const workspace = await currentWorkspace();
const list = document.getElementById("gpt-list");

function visibilityLabel(gpt) {
  if (gpt.published_version === null) return "Draft";
  return { private: "Only me", workspace: "Workspace", link: "Anyone with a link", public: "Everyone" }[gpt.visibility];
}

function row(gpt) {
  const name = gpt.name || "Untitled GPT";
  return h("li", {},
    h("div", {},
      h("a", { class: "gpt-name", href: `/gpts/${encodeURIComponent(gpt.id)}/edit` }, name),
      h("div", { class: "muted small" }, gpt.description || ""),
    ),
    h("span", { class: "muted small" }, visibilityLabel(gpt)),
  );
}

async function load() {
  const items = [];
  let cursor = null;
  do {
    const page = await get(`/workspaces/${workspace.id}/gpts${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  fill(list, items.map(row));
  document.getElementById("gpts-empty").hidden = items.length > 0;
}

document.getElementById("create-gpt").addEventListener("click", async () => {
  try {
    const gpt = await post(`/workspaces/${workspace.id}/gpts`, { name: "New GPT" });
    location.assign(`/gpts/${encodeURIComponent(gpt.id)}/edit`);
  } catch (exc) {
    toast(exc.message);
  }
});

await load();
ready();
