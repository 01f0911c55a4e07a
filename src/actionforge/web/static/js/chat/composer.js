// The message box under the conversation: conversation starters, the text area (Enter sends,
// Shift+Enter starts a new line), Send, and Stop while a turn runs or waits.
import { h } from "../dom.js";

let serial = 0;

export class Composer {
  constructor({ onSend, onStop }) {
    const id = `chat-input-${++serial}`;
    this.onSend = onSend;
    this.label = h("label", { for: id, class: "visually-hidden" }, "Message");
    this.input = h("textarea", { id, rows: "2", class: "chat-input", autocomplete: "off" });
    this.sendButton = h("button", { type: "submit", class: "primary" }, "Send");
    this.stopButton = h("button", { type: "button", class: "danger", hidden: true, onclick: onStop }, "Stop");
    this.hint = h("p", { class: "muted small composer-hint", hidden: true });
    this.starters = h("ul", { class: "starters", "aria-label": "Conversation starters", hidden: true });
    this.form = h("form", { class: "composer", novalidate: true },
      this.starters, this.hint, this.label,
      h("div", { class: "composer-row" }, this.input, this.sendButton, this.stopButton));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.state = "idle";
  }

  submit() {
    const text = this.input.value.trim();
    if (!text || this.state !== "idle") return;
    this.input.value = "";
    this.onSend(text);
  }

  setName(name) {
    const text = `Message ${name || "the GPT"}`;
    this.label.textContent = text;
    this.input.placeholder = text;
  }

  /** Starters show while the conversation is empty; a click sends the starter. */
  setStarters(starters, visible) {
    this.starters.replaceChildren(...(starters || []).filter(Boolean).map((text) =>
      h("li", {}, h("button", { type: "button", class: "starter", onclick: () => this.state === "idle" && this.onSend(text) }, text))));
    this.starters.hidden = !visible || this.starters.childElementCount === 0;
  }

  hideStarters() {
    this.starters.hidden = true;
  }

  /** idle: Send; running: Stop; paused: Stop, and the card above is what to answer. */
  setState(state) {
    this.state = state;
    const waiting = state !== "idle";
    this.sendButton.disabled = waiting;
    this.stopButton.hidden = !waiting;
    this.hint.hidden = state !== "paused";
    this.hint.textContent = state === "paused" ? "Answer the card above to continue." : "";
  }
}
