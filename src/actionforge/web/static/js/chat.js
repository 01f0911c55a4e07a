// The chat component, one for the builder's Preview and the end user's chat: it opens or resumes a
// conversation, replays its log, follows its events over SSE (a reload or a second tab sees the
// same conversation and keeps streaming), and posts messages, decisions, sign-ins and Stop.
// Loaded by the editors' Preview pane (auto-mounts on [data-chat-mount]) and by pages/chat-page.js.
import { ApiError, get, post } from "./api.js";
import { h } from "./dom.js";
import { Composer } from "./chat/composer.js";
import { follow } from "./chat/stream.js";
import { Transcript } from "./chat/transcript.js";

const enc = encodeURIComponent;
const STATES = { idle: "idle", running: "running", awaiting_approval: "paused", awaiting_sign_in: "paused" };

/** What each event does to the composer's state (undefined: no change). */
const NEXT_STATE = {
  user_message: () => "running",
  assistant_text: () => "running",
  status: () => "running",
  confirm_resolved: (d) => (d.decision ? "running" : undefined),
  turn_done: (d) => (d.outcome === "paused" ? "paused" : "idle"),
};

export class Chat {
  /**
   * @param root the element to fill
   * @param options {gptId, preview, returnPath(conversationId), onConversation(conversation),
   *   onTurnDone(conversation)}
   */
  constructor(root, options) {
    this.options = options;
    this.conversation = null;
    this.stream = null;
    this.announcer = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
    const list = h("ol", { class: "transcript" });
    this.scroller = h("div", { class: "transcript-scroll", role: "region", "aria-label": "Conversation", tabindex: "0" }, list);
    this.transcript = new Transcript(list, {
      preview: options.preview,
      decide: (callId, decision) => this.decide(callId, decision),
      signIn: (data) => this.signIn(data),
      announce: (text) => { this.announcer.textContent = text; },
      refusal: options.preview ? (domain) => this.refusal(domain) : null,
    });
    this.error = h("p", { class: "field-error", role: "alert", hidden: true });
    this.composer = new Composer({ onSend: (text) => this.send(text), onStop: () => this.stop() });
    root.replaceChildren(h("div", { class: "chat-box" }, this.scroller, this.announcer, this.error, this.composer.form));
    this.starters = [];
  }

  setGpt({ name, starters }) {
    this.composer.setName(name);
    this.starters = starters || [];
    this.composer.setStarters(this.starters, this.transcript.empty);
  }

  /** Show a conversation: its whole log, then its new events as they come. False if it is gone. */
  async open(conversationId) {
    let found;
    try {
      found = await get(`/conversations/${enc(conversationId)}`);
    } catch (exc) {
      if (exc instanceof ApiError && exc.status === 404) return false;
      throw exc;
    }
    this.reset();
    this.conversation = found;
    this.composer.setState(STATES[found.state] || "idle");
    for (const event of found.events) this.transcript.add(event, false);
    this.transcript.scrollToEnd();
    this.composer.setStarters(this.starters, this.transcript.empty);
    const last = found.events.length ? found.events[found.events.length - 1].id : 0;
    this.stream = follow(found.id, last, (event) => this.onEvent(event));
    return true;
  }

  /** A fresh, empty chat; the conversation is created with the first message. */
  reset() {
    this.stream?.close();
    this.stream = null;
    this.conversation = null;
    this.transcript.clear();
    this.error.hidden = true;
    this.composer.setState("idle");
    this.composer.setStarters(this.starters, true);
  }

  onEvent(event) {
    this.transcript.add(event, true);
    this.composer.hideStarters();
    const next = NEXT_STATE[event.type]?.(event.data || {});
    if (next) this.composer.setState(next);
    if (event.type === "turn_done") this.options.onTurnDone?.(this.conversation);
  }

  async ensureConversation() {
    if (this.conversation) return this.conversation;
    const created = await post(`/gpts/${enc(this.options.gptId)}/conversations`, { preview: this.options.preview });
    await this.open(created.id);
    this.options.onConversation?.(created);
    return this.conversation;
  }

  /** Send a message, or the Test button's (`test`: {action_id, operation_id}). */
  async send(text, test = null) {
    this.error.hidden = true;
    const before = this.composer.state;
    try {
      const conversation = await this.ensureConversation();
      this.composer.setState("running"); // before the POST: its events may arrive before its answer
      this.composer.hideStarters();
      await post(`/conversations/${enc(conversation.id)}/messages`, { text, test });
    } catch (exc) {
      this.composer.setState(before);
      this.showError(exc);
    }
  }

  decide(callId, decision) {
    return post(`/conversations/${enc(this.conversation.id)}/calls/${enc(callId)}/decision`, { decision });
  }

  /** Start the provider's sign-in; it sends the browser back here, where the turn goes on. */
  async signIn(data) {
    const returnTo = this.options.returnPath(this.conversation.id);
    const started = await post(`/me/connections/${enc(data.action_id)}/sign-in`, { return_to: returnTo });
    location.assign(started.authorize_url);
  }

  async stop() {
    if (!this.conversation) return;
    try {
      await post(`/conversations/${enc(this.conversation.id)}/stop`);
    } catch (exc) {
      this.showError(exc);
    }
  }

  /** Preview: why the workspace refuses the draft's action on `domain` now (null if it does not). */
  async refusal(domain) {
    const actions = (await get(`/gpts/${enc(this.options.gptId)}/actions`)).items;
    return actions.find((a) => a.domain === domain && a.blocked)?.blocked || null;
  }

  showError(exc) {
    if (!(exc instanceof ApiError)) throw exc;
    this.error.textContent = exc.message;
    this.error.hidden = false;
  }
}

/** The conversation a page should show: ?c= (a sign-in returns there), else the remembered one. */
export function requestedConversation() {
  return new URLSearchParams(location.search).get("c");
}

async function mountPreview(root) {
  const gptId = root.dataset.gptId;
  const remembered = `actionforge:preview:${gptId}`;
  const toolbar = h("div", { class: "chat-toolbar" });
  const holder = h("div", { class: "chat-holder" });
  root.replaceChildren(toolbar, holder);
  const chat = new Chat(holder, {
    gptId, preview: true,
    returnPath: (id) => `${location.pathname}?c=${enc(id)}`,
    onConversation: (conversation) => localStorage.setItem(remembered, conversation.id),
  });
  toolbar.append(h("button", { type: "button", class: "secondary", onclick: () => {
    localStorage.removeItem(remembered);
    chat.reset();
  } }, "New chat"));
  const refresh = async () => {
    const gpt = await get(`/gpts/${enc(gptId)}`);
    chat.setGpt({ name: gpt.name, starters: gpt.conversation_starters });
  };
  await refresh();
  const wanted = requestedConversation() || localStorage.getItem(remembered);
  if (wanted) {
    if (await chat.open(wanted)) localStorage.setItem(remembered, wanted);
    else localStorage.removeItem(remembered);
  }
  document.addEventListener("actionforge:draft-saved", () => refresh());
  document.addEventListener("actionforge:test-in-preview", (event) => {
    const { actionId, operationId } = event.detail;
    chat.send("", { action_id: actionId, operation_id: operationId });
  });
  root.dataset.ready = "true";
}

const previewRoot = document.querySelector("[data-chat-mount]");
if (previewRoot) mountPreview(previewRoot);
