// A GPT's privacy settings (/g/{gpt_id}/privacy), two tabs as in the original:
// Actions: "Always allow" / "Ask" per action domain, with its Privacy policy link;
// Connected accounts: Log out (or Log in again) per OAuth action, and the user's own API keys.
import { ApiError, del, get, post, put, requireSession } from "../api.js";
import { $, $$, fill, h, pageData } from "../dom.js";
import { initHeader, ready, toast } from "../ui.js";

const enc = encodeURIComponent;
await requireSession();
initHeader();
const gptId = pageData().gptId;
const KIND_LABELS = { oauth: "OAuth", api_key: "API key" };

async function orNull(promise) {
  try {
    return await promise;
  } catch (exc) {
    if (exc instanceof ApiError && exc.status === 404) return null;
    throw exc;
  }
}

/** The GPT as its user sees it; a builder whose GPT is not published yet sees the draft's. */
async function loadGpt() {
  const published = await orNull(get(`/gpts/${enc(gptId)}/published`));
  if (published) return published;
  const draft = await orNull(get(`/gpts/${enc(gptId)}`));
  if (!draft) return null;
  const actions = (await get(`/gpts/${enc(gptId)}/actions`)).items;
  return { ...draft, actions };
}

async function myConnections() {
  const items = [];
  let cursor = null;
  do {
    const page = await get(`/me/connections?limit=100&gpt_id=${enc(gptId)}${cursor ? `&cursor=${enc(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items.filter((c) => c.gpt_id === gptId);
}

// --- tabs (WAI-ARIA tabs: arrow keys move between them, Tab goes into the panel) ---------------
const tabs = $$("[role=tab]");

function select(tab, focus = false) {
  for (const other of tabs) {
    const chosen = other === tab;
    other.setAttribute("aria-selected", String(chosen));
    other.tabIndex = chosen ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !chosen;
  }
  if (focus) tab.focus();
}

for (const tab of tabs) {
  tab.addEventListener("click", () => select(tab));
  tab.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (event.key === "Home" || event.key === "End") {
      select(event.key === "Home" ? tabs[0] : tabs[tabs.length - 1], true);
    } else if (step) {
      select(tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length], true);
    } else {
      return;
    }
    event.preventDefault();
  });
}

// --- Actions: Always allow / Ask --------------------------------------------------------------
function domainRow(action, choice) {
  const id = `consent-${action.domain}`;
  const select = h("select", { id, onchange: async () => {
    try {
      await put(`/gpts/${enc(gptId)}/consents`, { domain: action.domain, choice: select.value });
      toast(`${action.domain}: ${select.selectedOptions[0].textContent}`);
    } catch (exc) {
      showError(exc);
    }
  } }, h("option", { value: "always" }, "Always allow"), h("option", { value: "ask" }, "Ask"));
  select.value = choice || "ask";
  const policy = action.privacy_policy_url
    ? h("a", { href: action.privacy_policy_url, target: "_blank", rel: "noopener noreferrer nofollow" }, "Privacy policy")
    : h("span", { class: "muted small" }, "No privacy policy");
  return h("li", { class: "setting-row" },
    h("div", {}, h("label", { for: id, class: "setting-name" }, action.domain), h("div", {}, policy)),
    select);
}

async function renderActions(gpt) {
  const consents = (await get(`/gpts/${enc(gptId)}/consents`)).items;
  const choices = Object.fromEntries(consents.map((c) => [c.domain, c.choice]));
  const seen = new Set();
  const actions = gpt.actions.filter((a) => a.domain && !seen.has(a.domain) && seen.add(a.domain));
  fill($("#domain-list"), actions.map((a) => domainRow(a, choices[a.domain])));
  $("#domains-empty").hidden = actions.length > 0;
}

// --- Connected accounts: Log out / Log in, per-user keys ---------------------------------------
function keyForm(account, after) {
  const id = `key-${account.action_id}`;
  const preview = account.mode === "draft" ? " (Preview)" : "";
  const input = h("input", { id, type: "password", autocomplete: "off" });
  return h("form", { class: "row", onsubmit: async (event) => {
    event.preventDefault();
    if (!input.value) return;
    try {
      await put(`/me/connections/${enc(account.action_id)}/api-key`, { api_key: input.value });
      toast("Saved");
      after();
    } catch (exc) {
      showError(exc);
    }
  } }, h("label", { for: id, class: "visually-hidden" }, `Your API key for ${account.domain}${preview}`), input,
  h("button", { type: "submit", class: "secondary" }, "Save key"));
}

async function logIn(account) {
  const returnTo = `/g/${enc(gptId)}/privacy?tab=accounts`;
  const started = await post(`/me/connections/${enc(account.action_id)}/sign-in`, { return_to: returnTo });
  location.assign(started.authorize_url);
}

function accountRow(account, connected, refresh) {
  const name = account.domain || "Invalid action";
  const preview = account.mode === "draft" ? " (Preview)" : "";
  const detail = connected
    ? `${KIND_LABELS[account.kind] || account.kind}${preview}, connected ${new Date(account.connected_at).toLocaleString()}`
    : account.key_source === "user" // each user brings their own key: the action cannot run without it
      ? `Add your key${preview}: this action needs your own API key.`
      : `${KIND_LABELS[account.kind] || account.kind}, not connected`;
  let control;
  if (connected) {
    control = h("button", { type: "button", class: "secondary", "aria-label": `Log out of ${name}`, onclick: async () => {
      try {
        await del(`/me/connections/${enc(account.action_id)}`);
        toast(`Logged out of ${name}`);
        loggedOut.set(account.action_id, account);
        refresh();
      } catch (exc) {
        showError(exc);
      }
    } }, "Log out");
  } else if (account.kind === "oauth") {
    control = h("button", { type: "button", class: "primary", "aria-label": `Log in to ${name}`, onclick: () => logIn(account).catch(showError) }, "Log in");
  } else {
    control = keyForm(account, refresh);
  }
  return h("li", { class: "setting-row" },
    h("div", {}, h("span", { class: "setting-name" }, name), h("div", { class: "muted small" }, detail)), control);
}

const loggedOut = new Map(); // action_id -> account, so a log-out can be undone from this page

/** The GPT's OAuth actions (and, in a draft, its per-user-key ones), to log in to before first use;
 * a published GPT's per-user keys come from /me/connections?gpt_id= (needed). */
function loginTargets(gpt) {
  return gpt.actions
    .map((a) => ({ action_id: a.action_id || a.id, domain: a.domain, kind: kindOf(a) }))
    .filter((a) => a.action_id && a.kind);
}

function kindOf(action) {
  const auth = action.auth_type || action.auth?.type;
  if (auth === "oauth") return "oauth";
  if (auth === "api_key" && action.auth?.key_source === "user") return "api_key"; // a builder's key needs nothing
  return null;
}

async function renderAccounts(gpt) {
  const listed = await myConnections();
  const connected = listed.filter((c) => c.connected !== false);
  const needed = listed.filter((c) => c.connected === false); // keys this GPT still needs from the user
  const ids = new Set(connected.map((c) => c.action_id));
  const others = new Map();
  for (const a of [...needed, ...loginTargets(gpt), ...loggedOut.values()]) {
    if (!ids.has(a.action_id) && !others.has(a.action_id)) others.set(a.action_id, a);
  }
  const refresh = () => renderAccounts(gpt).catch(showError);
  fill($("#account-list"),
    connected.map((a) => accountRow(a, true, refresh)),
    [...others.values()].map((a) => accountRow(a, false, refresh)));
  $("#accounts-empty").hidden = connected.length + others.size > 0;
}

function showError(exc) {
  if (!(exc instanceof ApiError)) throw exc;
  const note = $("#privacy-error");
  note.textContent = exc.message;
  note.hidden = false;
}

const gpt = await loadGpt();
if (!gpt) {
  showError(new ApiError(404, { detail: "GPT inaccessible or not found" }));
} else {
  const name = gpt.name || "this GPT";
  $("#actions-intro").textContent = `Select which 3rd party actions are allowed in conversations with ${name}.`;
  $("#accounts-intro").textContent = `Manage which 3rd party accounts can be accessed by ${name}.`;
  $("#back-to-chat").href = `/g/${enc(gptId)}`;
  await renderActions(gpt);
  await renderAccounts(gpt);
  if (new URLSearchParams(location.search).get("tab") === "accounts") select($("#tab-accounts"));
}
ready();
