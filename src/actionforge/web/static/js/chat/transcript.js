// The conversation as the page shows it, built event by event (a dispatch table by type): the
// messages, the streamed answer as safe Markdown, one status line per call, the cards, the "sent
// this info" records and, in Preview only, the debug entries. Markdown goes through markdown.js
// (marked + DOMPurify); everything else is textContent.
import { h } from "../dom.js";
import { renderMarkdown } from "../markdown.js";
import { confirmCard, resolveConfirm, resolveSignIn, signInCard } from "./cards.js";

const json = (value) => JSON.stringify(value ?? null, null, 2);

export class Transcript {
  /**
   * @param list the element the entries go in
   * @param hooks {decide(callId, decision), signIn(data), announce(text), preview: bool}
   */
  constructor(list, hooks) {
    this.list = list;
    this.hooks = hooks;
    this.answer = null; // the assistant message being streamed: {element, text}
    this.statusLines = new Map(); // call_id -> element
    this.confirmCards = new Map();
    this.signInCards = new Map();
    this.frame = 0;
  }

  clear() {
    this.list.replaceChildren();
    this.answer = null;
    this.statusLines.clear();
    this.confirmCards.clear();
    this.signInCards.clear();
  }

  get empty() {
    return this.list.childElementCount === 0;
  }

  /** Show one event; `live` is false while a reload replays the log (no focus moves then). */
  add(event, live) {
    const render = RENDERERS[event.type];
    if (!render) return;
    const data = event.data || {};
    if (data.call_id && event.type !== "sign_in") this.finishSignIn(data.call_id);
    render(this, data, live);
    if (live) this.scrollToEnd();
  }

  entry(className, ...children) {
    const item = h("li", { class: `entry ${className}` }, ...children);
    this.list.append(item);
    return item;
  }

  userMessage(data) {
    this.closeAnswer();
    const badge = data.test ? h("span", { class: "badge" }, "Test") : null;
    this.entry("from-user", h("p", { class: "bubble user-bubble" }, badge, data.text));
  }

  assistantText(data) {
    if (!this.answer) {
      const body = h("div", { class: "bubble assistant-bubble markdown" });
      this.entry("from-assistant", body);
      this.answer = { element: body, text: "" };
    }
    this.answer.text += data.text;
    this.paint();
  }

  paint() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (this.answer) renderMarkdown(this.answer.element, this.answer.text);
    });
  }

  closeAnswer() {
    if (!this.answer) return;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    renderMarkdown(this.answer.element, this.answer.text);
    this.answer = null;
  }

  status(data, live) {
    let line = this.statusLines.get(data.call_id);
    if (!line) {
      this.closeAnswer();
      line = h("p", { class: "status-line" });
      this.entry("status", line);
      if (data.call_id) this.statusLines.set(data.call_id, line);
    }
    line.textContent = data.text;
    line.dataset.state = statusState(data.text);
    if (live) this.hooks.announce(data.text);
    if (line.dataset.state === "stopped" && data.text.startsWith("Error")) this.explain(line, data, live);
  }

  /** Why a call was refused: the event's reason if it has one, else (live, in Preview) the
   * workspace's refusal of the action's domain as the draft reports it. */
  async explain(line, data, live) {
    const reason = data.reason || (live && this.hooks.refusal ? await this.hooks.refusal(data.domain) : null);
    if (!reason || line.nextElementSibling) return;
    line.after(h("p", { class: "status-reason" }, reason));
    if (live) this.hooks.announce(`${data.text}: ${reason}`);
  }

  confirm(data, live) {
    this.closeAnswer();
    const card = confirmCard(data, (decision) => this.hooks.decide(data.call_id, decision));
    this.confirmCards.set(data.call_id, card);
    this.entry("has-card", card);
    if (live) {
      this.hooks.announce(`${data.gpt_name} wants to talk to ${data.domain}`);
      card.querySelector(".card-buttons button")?.focus();
    }
  }

  confirmResolved(data) {
    const card = this.confirmCards.get(data.call_id);
    if (card) resolveConfirm(card, data.decision);
  }

  signIn(data, live) {
    this.closeAnswer();
    const card = signInCard(data, () => this.hooks.signIn(data));
    this.signInCards.set(data.call_id, { card, domain: data.domain });
    this.entry("has-card", card);
    if (live) {
      this.hooks.announce(`Sign in with ${data.domain}`);
      card.querySelector("button")?.focus();
    }
  }

  finishSignIn(callId) {
    const found = this.signInCards.get(callId);
    if (!found) return;
    resolveSignIn(found.card, found.domain);
    this.signInCards.delete(callId);
  }

  sentInfo(data) {
    this.entry("record", h("details", { class: "sent-info" },
      h("summary", {}, `${data.gpt_name} sent this info to ${data.domain}`),
      h("pre", { tabindex: "0" }, json(data.params ?? {}))));
  }

  debug(data) {
    if (!this.hooks.preview) return; // never shown outside Preview, whatever the server sends
    const section = (title, value) => [h("h4", {}, title), h("pre", { tabindex: "0" }, json(value))];
    this.entry("debug", h("details", { class: "debug-entry" },
      h("summary", {}, "[debug] Calling HTTP endpoint"),
      ...section("Request", data.request), ...section("Response", data.response),
      ...section("Repairs", data.repairs || [])));
  }

  notice(data, live) {
    this.closeAnswer();
    this.entry("notice", h("p", { class: "notice-line" }, data.text));
    if (live) this.hooks.announce(data.text);
  }

  error(data, live) {
    this.closeAnswer();
    this.entry("error", h("p", { class: "error-line" }, data.text));
    if (live) this.hooks.announce(data.text);
  }

  scrollToEnd() {
    const box = this.list.parentElement;
    if (box) box.scrollTop = box.scrollHeight;
  }
}

function statusState(text) {
  if (text.startsWith("Error") || text.startsWith("Stopped") || text.startsWith("You declined")) return "stopped";
  if (text.startsWith("Talked") || text.startsWith("Tested")) return "done";
  return "running";
}

const RENDERERS = {
  user_message: (t, d) => t.userMessage(d),
  assistant_text: (t, d) => t.assistantText(d),
  assistant_done: (t) => t.closeAnswer(),
  status: (t, d, live) => t.status(d, live),
  confirm: (t, d, live) => t.confirm(d, live),
  confirm_resolved: (t, d) => t.confirmResolved(d),
  sign_in: (t, d, live) => t.signIn(d, live),
  sent_info: (t, d) => t.sentInfo(d),
  debug: (t, d) => t.debug(d),
  notice: (t, d, live) => t.notice(d, live),
  error: (t, d, live) => t.error(d, live),
  turn_done: (t) => t.closeAnswer(),
};
