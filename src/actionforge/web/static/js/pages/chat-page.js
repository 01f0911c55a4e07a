// A published GPT's chat (/g/{gpt_id}): the conversation history on the side, the chat component
// in the middle. ?c= names the open conversation, so a reload, a second tab and the return from an
// OAuth sign-in all land on it.
import { ApiError, del, get, requireSession } from "../api.js";
import { $, fill, h, pageData } from "../dom.js";
import { initHeader, ready } from "../ui.js";
import { Chat, requestedConversation } from "../chat.js";

const enc = encodeURIComponent;
await requireSession();
initHeader();
const gptId = pageData().gptId;
const chatPath = (id) => `/g/${enc(gptId)}${id ? `?c=${enc(id)}` : ""}`;

async function published() {
  try {
    return await get(`/gpts/${enc(gptId)}/published`);
  } catch (exc) {
    if (exc instanceof ApiError && exc.status === 404) return null;
    throw exc;
  }
}

async function conversations() {
  const items = [];
  let cursor = null;
  do {
    const query = `preview=false&limit=100${cursor ? `&cursor=${enc(cursor)}` : ""}`;
    const page = await get(`/gpts/${enc(gptId)}/conversations?${query}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items.reverse(); // newest first
}

if (matchMedia("(max-width: 700px)").matches) $("#history").open = false; // phones: the chat first

const gpt = await published();
if (!gpt) {
  const note = $("#chat-unavailable");
  note.textContent = "GPT inaccessible or not found";
  note.hidden = false;
  $("#new-chat").disabled = true;
  ready();
} else {
  $("#gpt-name").textContent = gpt.name || "Untitled GPT";
  $("#gpt-description").textContent = gpt.description || "";
  document.title = `${gpt.name || "Chat"} · actionforge`;
  if (gpt.actions.length) {
    $("#privacy-link").href = `/g/${enc(gptId)}/privacy`;
    $("#privacy-link").hidden = false;
  }
  const chat = new Chat($("#chat"), {
    gptId, preview: false,
    returnPath: (id) => chatPath(id),
    onConversation: (conversation) => {
      history.replaceState(null, "", chatPath(conversation.id));
      renderHistory();
    },
    onTurnDone: () => renderHistory(), // the first message names the conversation
  });
  chat.setGpt({ name: gpt.name, starters: gpt.conversation_starters });

  async function show(id) {
    if (!(await chat.open(id))) {
      history.replaceState(null, "", chatPath(null));
      chat.reset();
    }
    markCurrent();
  }

  function markCurrent() {
    const current = chat.conversation?.id;
    for (const link of document.querySelectorAll("#history-list a")) {
      if (link.dataset.id === current) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  }

  async function renderHistory() {
    const items = await conversations();
    const when = (c) => new Date(c.updated_at).toLocaleString();
    fill($("#history-list"), items.map((c) => h("li", { class: "history-item" },
      h("a", {
        href: chatPath(c.id), dataset: { id: c.id },
        onclick: (event) => {
          event.preventDefault();
          history.pushState(null, "", chatPath(c.id));
          show(c.id);
        },
      }, c.title || "New conversation", h("span", { class: "muted small history-when" }, when(c))),
      h("button", {
        type: "button", class: "link-button", "aria-label": `Delete conversation: ${c.title || "New conversation"}`,
        onclick: () => remove(c),
      }, "Delete"))));
    $("#history-empty").hidden = items.length > 0;
    markCurrent();
  }

  async function remove(conversation) {
    await del(`/conversations/${enc(conversation.id)}`);
    if (chat.conversation?.id === conversation.id) {
      history.replaceState(null, "", chatPath(null));
      chat.reset();
    }
    await renderHistory();
    $("#new-chat").focus();
  }

  $("#new-chat").addEventListener("click", () => {
    history.pushState(null, "", chatPath(null));
    chat.reset();
    markCurrent();
    chat.composer.input.focus();
  });
  window.addEventListener("popstate", () => {
    const id = requestedConversation();
    if (id) show(id);
    else chat.reset();
  });
  const wanted = requestedConversation();
  if (wanted) await show(wanted);
  await renderHistory();
  ready();
}
