// The workspace admin page: custom actions on or off; the domain policy (all, the approved list,
// or none); members and roles; model providers and models; the action-call audit log, filtered.
// Every change is one API call, saved at once; a refusal shows the API's own message.
import { ApiError, currentWorkspace, del, get, patch, post } from "../api.js";
import { requireSession } from "../api.js";
import { $, $$, fill, h } from "../dom.js";
import { initHeader, ready } from "../ui.js";

const enc = encodeURIComponent;
await requireSession();
initHeader();
let workspace = await currentWorkspace();
const base = `/workspaces/${enc(workspace.id)}`;
const state = $("#admin-state");

async function all(path) {
  const items = [];
  let cursor = null;
  for (let pages = 0; pages < 50; pages++) {
    const sep = path.includes("?") ? "&" : "?";
    const page = await get(`${path}${sep}limit=100${cursor ? `&cursor=${enc(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return items;
}

function fail(slot, exc) {
  if (!(exc instanceof ApiError)) throw exc;
  slot.textContent = exc.errors.length ? exc.errors.map((e) => e.detail).join(" ") : exc.message;
  slot.hidden = false;
  state.textContent = "Not saved";
}

async function saveSettings(changes, errorSlot = $("#admin-error")) {
  state.textContent = "Saving…";
  errorSlot.hidden = true;
  try {
    workspace = await patch(`${base}/settings`, changes);
    state.textContent = "Saved";
  } catch (exc) {
    fail(errorSlot, exc);
  }
  renderSettings();
}

// --- GPTs: custom actions and the domain policy ----------------------------------------------
const POLICY_NOTES = {
  all: "Every domain may be called by GPT Actions in this workspace.",
  list: "Only the approved domains below, and their subdomains, may be called.",
  none: "No domains are allowed: GPT Actions cannot run in this workspace.",
};

function renderSettings() {
  const s = workspace.settings;
  $("#custom-actions").checked = s.custom_actions_enabled;
  for (const radio of $$("input[name=domain-policy]")) radio.checked = radio.value === s.domain_policy;
  $("#policy-note").textContent = POLICY_NOTES[s.domain_policy];
  $("#domain-editor").hidden = s.domain_policy !== "list";
  fill($("#domain-list"), s.allowed_domains.map((domain) => h("li", { class: "row" },
    h("span", { class: "domain-name" }, domain),
    h("button", { type: "button", class: "link-button", "aria-label": `Remove ${domain}`, onclick: () =>
      saveSettings({ allowed_domains: s.allowed_domains.filter((d) => d !== domain) }, $("#domain-error")) }, "Remove"))));
  $("#domains-empty").hidden = s.allowed_domains.length > 0;
}

$("#custom-actions").addEventListener("change", (event) => saveSettings({ custom_actions_enabled: event.target.checked }));
for (const radio of $$("input[name=domain-policy]")) {
  radio.addEventListener("change", () => radio.checked && saveSettings({ domain_policy: radio.value }));
}
$("#add-domain-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const domain = $("#new-domain").value.trim();
  if (!domain) return;
  await saveSettings({ allowed_domains: [...workspace.settings.allowed_domains, domain] }, $("#domain-error"));
  if ($("#domain-error").hidden) $("#new-domain").value = "";
});

// --- members ---------------------------------------------------------------------------------
const ROLE_LABELS = { owner: "Owner", admin: "Admin", member: "Member" };

async function memberChange(send, done) {
  $("#member-error").hidden = true;
  state.textContent = "Saving…";
  try {
    await send();
    state.textContent = done;
  } catch (exc) {
    fail($("#member-error"), exc);
  }
  await renderMembers(); // a refused change shows what is stored
}

function roleSelect(m) {
  const path = `${base}/members/${enc(m.user.id)}`;
  const select = h("select", { "aria-label": `Role of ${m.user.email}`, onchange: () =>
    memberChange(() => patch(path, { role: select.value }), "Role changed") },
  ...Object.entries(ROLE_LABELS).reverse().map(([value, label]) => h("option", { value }, label)));
  select.value = m.role;
  return select;
}

function removeButton(m) {
  const path = `${base}/members/${enc(m.user.id)}`;
  return h("button", { type: "button", class: "link-button", "aria-label": `Remove ${m.user.email}`, onclick: () =>
    memberChange(() => del(path), "Member removed") }, "Remove");
}

async function renderMembers() {
  const members = await all(`${base}/members`);
  fill($("#member-rows"), members.map((m) => h("tr", {},
    h("td", {}, m.user.display_name || ""), h("td", {}, m.user.email), h("td", {}, roleSelect(m)),
    h("td", {}, removeButton(m)))));
}

$("#add-member-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("#member-error").hidden = true;
  try {
    await post(`${base}/members`, { email: $("#member-email").value.trim(), role: $("#member-role").value });
    $("#member-email").value = "";
    state.textContent = "Member added";
    await renderMembers();
  } catch (exc) {
    fail($("#member-error"), exc);
  }
});

// --- model providers and models -----------------------------------------------------------------
async function renderModels() {
  const providers = await all(`${base}/model-providers`);
  fill($("#provider-rows"), providers.map((p) => h("tr", {},
    h("td", {}, p.name), h("td", {}, p.kind), h("td", { class: "mono" }, p.base_url || "official endpoint"),
    h("td", {}, p.api_key === "set" ? "Set" : "Not set"),
    h("td", {}, p.read_only
      ? h("span", { class: "muted small" }, "From the server's environment")
      : h("button", { type: "button", class: "link-button", "aria-label": `Delete provider ${p.name}`, onclick: async () => {
        try {
          await del(`/model-providers/${enc(p.id)}`);
          await renderModels();
        } catch (exc) {
          fail($("#provider-error"), exc);
        }
      } }, "Delete")))));
  fill($("#model-provider"), providers.filter((p) => !p.read_only).map((p) => h("option", { value: p.id }, p.name)));
  const models = await all(`${base}/models`);
  fill($("#model-rows"), models.map(modelRow));
}

function modelRow(m) {
  const id = `model-enabled-${m.model}`;
  const toggle = h("input", { type: "checkbox", id, disabled: m.read_only, onchange: async () => {
    try {
      await patch(`/models/${enc(m.id)}`, { enabled: toggle.checked });
      state.textContent = "Saved";
    } catch (exc) {
      fail($("#model-error"), exc);
      toggle.checked = !toggle.checked;
    }
  } });
  toggle.checked = m.enabled;
  return h("tr", {},
    h("td", {}, h("label", { for: id }, m.label || m.model)), h("td", {}, m.supports_tools ? "Yes" : "No"),
    h("td", {}, String(m.context_window)), h("td", {}, toggle));
}

$("#add-provider-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("#provider-error").hidden = true;
  const body = { name: $("#provider-name").value.trim(), kind: $("#provider-kind").value };
  if ($("#provider-base-url").value.trim()) body.base_url = $("#provider-base-url").value.trim();
  if ($("#provider-key").value) body.api_key = $("#provider-key").value;
  try {
    await post(`${base}/model-providers`, body);
    event.target.reset();
    await renderModels();
  } catch (exc) {
    fail($("#provider-error"), exc);
  }
});

$("#add-model-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("#model-error").hidden = true;
  const body = { name: $("#model-name").value.trim(), supports_tools: $("#model-tools").checked };
  try {
    await post(`/model-providers/${enc($("#model-provider").value)}/models`, body);
    $("#model-name").value = "";
    await renderModels();
  } catch (exc) {
    fail($("#model-error"), exc);
  }
});

// --- the action-call audit log ---------------------------------------------------------------
let total = 0; // the workspace's records, from the summary
let shown = 0; // rows on the page for the current filter
let older = null; // the cursor to the current filter's next, older page
let gptNames = {};
const FILTERS = { "filter-domain": "domain", "filter-outcome": "outcome", "filter-gpt": "gpt" }; // query names

function options(select, values, label = (v) => v) {
  const chosen = select.value;
  fill(select, h("option", { value: "" }, "All"), [...values].sort().map((v) => h("option", { value: v }, label(v))));
  select.value = values.has(chosen) ? chosen : "";
}

function parsed(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function callRow(c) {
  const details = h("details", {}, h("summary", {}, "Details"),
    h("pre", { tabindex: "0" }, JSON.stringify({
      arguments: parsed(c.arguments), request: c.request, response: c.response, egress: c.egress,
      egress_reason: c.egress_reason, user_id: c.user_id, version: c.gpt_version,
    }, null, 2)));
  return h("tr", { class: `outcome-${c.outcome}` },
    h("td", {}, new Date(c.created_at).toLocaleString()), h("td", {}, gptNames[c.gpt_id] || c.gpt_id),
    h("td", {}, c.domain), h("td", { class: "mono" }, c.operation),
    h("td", {}, c.egress_reason ? `${c.outcome}: ${c.egress_reason}` : c.outcome),
    h("td", {}, c.status === null ? "" : String(c.status)), h("td", {}, c.consent),
    h("td", {}, `${c.latency_ms} ms`), h("td", {}, details));
}

let asked = 0; // the latest filter asked for: an older answer arriving late is dropped

// The server filters (?domain=&outcome=&gpt=) and pages newest first: the page loads only the
// records it shows, a hundred at a time, and the summary fills the filters.
async function renderCalls({ more = false } = {}) {
  const query = new URLSearchParams({ order: "newest", limit: "100" });
  for (const [id, name] of Object.entries(FILTERS)) {
    const value = document.getElementById(id).value;
    if (value) query.set(name, value);
  }
  if (more && older) query.set("cursor", older);
  const mine = ++asked;
  const page = await get(`${base}/calls?${query}`);
  if (mine !== asked) return;
  const rows = page.items.map(callRow);
  if (more) $("#call-rows").append(...rows);
  else fill($("#call-rows"), rows);
  shown = (more ? shown : 0) + page.items.length;
  older = page.next_cursor;
  $("#audit-more").hidden = !older;
  $("#audit-count").textContent = `${shown} of ${total} calls`;
}

async function loadCalls() {
  const gpts = await all(`${base}/gpts`);
  gptNames = Object.fromEntries(gpts.map((g) => [g.id, g.name || "Untitled GPT"]));
  const summary = await get(`${base}/calls/summary`);
  total = summary.total;
  options($("#filter-domain"), new Set(summary.domains));
  options($("#filter-outcome"), new Set(summary.outcomes));
  options($("#filter-gpt"), new Set(summary.gpt_ids), (id) => gptNames[id] || id);
  await renderCalls();
}

$("#audit-more").addEventListener("click", () => renderCalls({ more: true }).catch((exc) => fail($("#admin-error"), exc)));

for (const id of Object.keys(FILTERS)) {
  document.getElementById(id).addEventListener("change", () => renderCalls().catch((exc) => fail($("#admin-error"), exc)));
}

if (!["owner", "admin"].includes(workspace.role)) {
  const note = $("#admin-error");
  note.textContent = "Only the workspace's owners and admins can change its settings.";
  note.hidden = false;
} else {
  renderSettings();
  await Promise.all([renderMembers(), renderModels(), loadCalls()]);
  $("#admin").hidden = false;
}
ready();
