// The cards a turn can stop at: the confirmation card ("{GPT} wants to talk to {domain}") with the
// buttons the server chose, and "Sign in with {domain}". Plain buttons, so Tab, Enter and Space
// work as everywhere; every text goes in as text.
import { h } from "../dom.js";

export const BUTTON_LABELS = { allow: "Allow", always_allow: "Always Allow", decline: "Decline" };
const RESOLVED = { allow: "Allowed", always_allow: "Always allowed", decline: "Declined" };

let serial = 0;

function paramsBlock(data) {
  const entries = Object.entries(data.params || {});
  const body = entries.length ? JSON.stringify(data.params, null, 2) : "(no parameters)";
  return h("details", { class: "card-params", open: true },
    h("summary", {}, `${data.gpt_name} wants to share this info with ${data.domain}`),
    h("pre", { tabindex: "0", "aria-label": "Parameters" }, body));
}

/** The confirmation card; `decide(decision)` posts the choice (the buttons wait for it). */
export function confirmCard(data, decide) {
  const id = `confirm-${++serial}`;
  const buttons = h("div", { class: "card-buttons" });
  const note = h("p", { class: "field-error", role: "alert", hidden: true });
  const card = h("section", { class: "chat-card confirm-card", "aria-labelledby": id, tabindex: "-1", dataset: { callId: data.call_id } },
    h("h3", { id, class: "card-title" }, `${data.gpt_name} wants to talk to ${data.domain}`),
    h("p", { class: "muted small" }, "Only allow sites you trust."),
    paramsBlock(data),
    data.privacy_policy_url
      ? h("a", { href: data.privacy_policy_url, target: "_blank", rel: "noopener noreferrer nofollow" }, "Privacy policy")
      : null,
    buttons, note);
  for (const decision of data.buttons || []) {
    const primary = decision === "allow";
    buttons.append(h("button", {
      type: "button", class: primary ? "primary" : "secondary", dataset: { decision },
      onclick: async () => {
        setBusy(card, true);
        note.hidden = true;
        try {
          await decide(decision);
        } catch (exc) {
          if (exc.status === 409) return; // answered elsewhere: confirm_resolved will say how
          note.textContent = exc.message;
          note.hidden = false;
          setBusy(card, false);
        }
      },
    }, BUTTON_LABELS[decision] || decision));
  }
  return card;
}

function setBusy(card, busy) {
  for (const button of card.querySelectorAll(".card-buttons button")) button.disabled = busy;
}

/** The card's answer is in: the buttons give way to what was decided. */
export function resolveConfirm(card, decision) {
  const buttons = card.querySelector(".card-buttons");
  const hadFocus = card.contains(document.activeElement);
  buttons.replaceChildren(h("p", { class: "resolved" }, RESOLVED[decision] || decision));
  card.classList.add("is-resolved");
  if (hadFocus) card.focus();
}

/** "Sign in with {domain}": `signIn()` starts the provider's sign-in (the page navigates away). */
export function signInCard(data, signIn) {
  const note = h("p", { class: "field-error", role: "alert", hidden: true });
  const button = h("button", {
    type: "button", class: "primary",
    onclick: async () => {
      button.disabled = true;
      try {
        await signIn();
      } catch (exc) {
        note.textContent = exc.message;
        note.hidden = false;
        button.disabled = false;
      }
    },
  }, `Sign in with ${data.domain}`);
  return h("section", { class: "chat-card sign-in-card", "aria-label": `Sign in with ${data.domain}`, tabindex: "-1", dataset: { callId: data.call_id } },
    h("p", { class: "small" }, `To continue, sign in to ${data.domain}.`), button, note);
}

/** A later event of the same call: the sign-in is done. */
export function resolveSignIn(card, domain) {
  const button = card.querySelector("button");
  if (!button) return;
  button.replaceWith(h("p", { class: "resolved" }, `Signed in to ${domain}`));
  card.classList.add("is-resolved");
}
