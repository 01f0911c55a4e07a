// Shared page furniture: the account menu, toasts, dialogs (native <dialog>: modal, focus kept
// inside, Escape closes), and copying to the clipboard.
import { ApiError, del, session } from "./api.js";
import { h } from "./dom.js";

export function toast(text) {
  const region = document.getElementById("toasts");
  const item = h("div", { class: "toast" }, text);
  region.append(item);
  setTimeout(() => item.remove(), 4000);
}

/** Fill the top bar's account menu; "Sign out" ends the session. */
export async function initHeader() {
  const box = document.getElementById("account");
  if (!box) return;
  const found = await session();
  if (!found) return;
  document.getElementById("account-name").textContent = found.user.display_name || found.user.email;
  box.hidden = false;
  document.getElementById("sign-out").addEventListener("click", async () => {
    await del("/session");
    location.assign("/sign-in");
  });
  for (const link of document.querySelectorAll(".topnav a")) {
    if (link.getAttribute("href") === location.pathname) link.setAttribute("aria-current", "page");
  }
}

/**
 * Open a <dialog> as a modal. Resolves with the returnValue when it closes (Escape gives "").
 * Focus returns to the element that opened it.
 */
export function openDialog(dialog, { focus } = {}) {
  const opener = document.activeElement;
  dialog.returnValue = "";
  dialog.showModal();
  (focus || dialog.querySelector("[autofocus]") || firstFocusable(dialog))?.focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      if (opener && opener.focus) opener.focus();
      resolve(dialog.returnValue);
    }, { once: true });
  });
}

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

function firstFocusable(root) {
  return Array.from(root.querySelectorAll(FOCUSABLE)).find((e) => e.offsetParent !== null);
}

/** Keep Tab inside an open dialog (the page behind is inert, but the browser UI is not). */
export function trapFocus(dialog) {
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const items = Array.from(dialog.querySelectorAll(FOCUSABLE)).filter((e) => e.offsetParent !== null);
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && sameStop(document.activeElement, first)) {
      tabStop(last).focus();
      event.preventDefault();
    } else if (!event.shiftKey && sameStop(document.activeElement, last)) {
      tabStop(first).focus();
      event.preventDefault();
    }
  });
}

// A radio group is one tab stop: its checked radio.
function tabStop(element) {
  if (element.type !== "radio" || !element.name) return element;
  const checked = element.form?.querySelector(`input[type=radio][name="${CSS.escape(element.name)}"]:checked`);
  return checked || element;
}

function sameStop(a, b) {
  return a === b || (a && b && a.type === "radio" && b.type === "radio" && a.name === b.name && a.form === b.form);
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const scratch = h("textarea", { "aria-hidden": "true", class: "visually-hidden" });
    scratch.value = text;
    document.body.append(scratch);
    scratch.select();
    document.execCommand("copy");
    scratch.remove();
  }
  toast("Copied to clipboard");
}

/** A same-site path to go back to after signing in (never another origin). */
export function safeNext(value, fallback = "/gpts") {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  return value;
}

/** Mark the page as loaded (main[data-ready]): its controls now respond. Tests wait for it. */
export function ready() {
  document.getElementById("main").dataset.ready = "true";
}

/**
 * The data a page cannot do without: a refusal (a GPT that is not there, or not yours: 404) is
 * said on the page and the page stops there, instead of leaving a half-built screen.
 */
export async function must(promise) {
  try {
    return await promise;
  } catch (exc) {
    if (!(exc instanceof ApiError)) throw exc;
    document.getElementById("main").prepend(h("p", { class: "alert page-error", role: "alert" }, exc.message));
    ready();
    return new Promise(() => {}); // never settles: the page module goes no further
  }
}
