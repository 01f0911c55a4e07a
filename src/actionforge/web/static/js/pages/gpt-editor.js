// The GPT editor: Configure on the left (saved as you go), Preview on the right (chat.js), and
// the Publish dialog listing every blocking error with a link to what must change.
import { authLabel } from "../action/auth.js";
import { ApiError, get, patch, post, requireSession } from "../api.js";
import { $, debounce, fill, h, pageData, showFieldErrors } from "../dom.js";
import { copyText, initHeader, must, openDialog, ready, trapFocus } from "../ui.js";

const ACTIONS_DISABLED = "Custom actions are disabled for your workspace. Contact your admin to enable them.";
const APPS_OR_ACTIONS = "A GPT can use either apps or actions, but not both at the same time.";

await requireSession();
initHeader();
const gptId = pageData().gptId;
const maxActions = Number(pageData().maxActions || 10);
const form = $("#configure");
const saveState = $("#save-state");
let gpt = await must(get(`/gpts/${encodeURIComponent(gptId)}`));
const workspace = await get(`/workspaces/${encodeURIComponent(gpt.workspace_id)}`);
let actions = (await get(`/gpts/${encodeURIComponent(gptId)}/actions`)).items;

function announceDraft() {
  document.dispatchEvent(new CustomEvent("actionforge:draft-saved", { detail: { gptId } }));
}

// Saves run one after another, in the order the edits happened; "Saved" shows once all are done.
let queue = Promise.resolve();
let pending = 0;

function save(changes) {
  pending += 1;
  saveState.textContent = "Saving…";
  queue = queue.then(() => saveNow(changes)).finally(() => {
    pending -= 1;
    if (pending === 0 && saveState.textContent === "Saving…") saveState.textContent = "Saved";
  });
  return queue;
}

async function saveNow(changes) {
  try {
    gpt = await patch(`/gpts/${encodeURIComponent(gptId)}`, changes);
    for (const field of Object.keys(changes)) { // only these fields are now known good
      const slot = form.querySelector(`[data-error-for="/${field}"]`);
      if (slot) slot.hidden = true;
    }
    renderTitle();
    renderCapabilities();
    announceDraft();
  } catch (exc) {
    if (!(exc instanceof ApiError)) throw exc;
    const unplaced = showFieldErrors(exc.errors.length ? exc.errors : [{ pointer: "", detail: exc.message }], form);
    saveState.textContent = unplaced.length ? unplaced.map((e) => e.detail).join(" ") : "Not saved";
  }
}

function renderTitle() {
  $("#gpt-title").textContent = gpt.name || "Untitled GPT";
}

// --- text fields ------------------------------------------------------------------------------
const TEXT_FIELDS = { "gpt-name": "name", "gpt-description": "description", "gpt-instructions": "instructions", "gpt-category": "category" };
for (const [id, field] of Object.entries(TEXT_FIELDS)) {
  const input = document.getElementById(id);
  input.value = gpt[field] ?? "";
  input.addEventListener("change", () => {
    const value = input.value;
    save({ [field]: field === "category" && value.trim() === "" ? null : value });
  });
}

// --- conversation starters --------------------------------------------------------------------
const startersList = $("#starters");

function starterRow(text, index) {
  const id = `starter-${index}`;
  const input = h("input", { id, value: text, placeholder: "A question or task to begin with", onchange: saveStarters });
  input.value = text;
  return h("li", { class: "row" },
    h("label", { for: id, class: "visually-hidden" }, `Conversation starter ${index + 1}`),
    input,
    h("button", { type: "button", class: "icon-button", "aria-label": `Remove conversation starter ${index + 1}`, onclick: () => {
      const texts = currentStarters();
      texts.splice(index, 1);
      renderStarters(texts);
      saveStarters();
    } }, "✕"),
  );
}

function currentStarters() {
  return Array.from(startersList.querySelectorAll("input")).map((i) => i.value);
}

function renderStarters(texts) {
  fill(startersList, texts.map(starterRow));
}

function saveStarters() {
  save({ conversation_starters: currentStarters().filter((t) => t.trim() !== "") });
}

renderStarters(gpt.conversation_starters);
$("#add-starter").addEventListener("click", () => {
  const texts = [...currentStarters(), ""];
  renderStarters(texts);
  startersList.querySelector("li:last-child input").focus();
});

// --- model picker -----------------------------------------------------------------------------
async function renderModels() {
  const select = $("#gpt-model");
  const note = $("#model-note");
  let offered;
  try {
    offered = await get(`/gpts/${encodeURIComponent(gptId)}/models`);
  } catch (exc) {
    if (!(exc instanceof ApiError) || exc.status !== 404) throw exc;
    select.disabled = true;
    note.textContent = "The model picker is not available on this server.";
    return;
  }
  const options = [h("option", { value: "" }, "Default model"),
    ...offered.items.map((m) => h("option", { value: m.model }, m.label || m.model))];
  if (gpt.model && !offered.items.some((m) => m.model === gpt.model)) {
    options.push(h("option", { value: gpt.model }, `${gpt.model} (not available)`));
  }
  fill(select, options);
  select.value = gpt.model || "";
  const filtered = offered.needs_tools ? "Only models that can call tools are offered, as this GPT has actions or apps." : "";
  note.textContent = [offered.message, filtered].filter(Boolean).join(" ");
}
$("#gpt-model").addEventListener("change", (event) => save({ model: event.target.value || null }));

// --- capabilities: apps XOR actions -----------------------------------------------------------
const appsInput = $("#gpt-apps");
appsInput.value = gpt.apps.join("\n");
appsInput.addEventListener("change", () => {
  save({ apps: appsInput.value.split("\n").map((l) => l.trim()).filter(Boolean) });
});

const APPS_NOT_ALLOWED = "Your workspace does not allow apps in GPTs.";

function renderCapabilities() {
  const appsAllowed = workspace.settings.apps_allowed;
  appsInput.disabled = actions.length > 0 || !appsAllowed;
  $("#capabilities-note").textContent = appsAllowed ? APPS_OR_ACTIONS : `${APPS_OR_ACTIONS} ${APPS_NOT_ALLOWED}`;
  renderCreateAction();
}

// --- actions ----------------------------------------------------------------------------------
function actionUrl(action) {
  return `/gpts/${encodeURIComponent(gptId)}/actions/${encodeURIComponent(action.id)}/edit`;
}

function callbackField(action) {
  const id = `callback-${action.id}`;
  const input = h("input", { id, readonly: true, value: action.callback_url });
  input.value = action.callback_url;
  return h("div", { class: "callback" },
    h("label", { for: id }, "Callback URL"),
    input,
    h("button", { type: "button", class: "secondary", "aria-label": `Copy the callback URL of ${action.label}`,
      onclick: () => copyText(action.callback_url) }, "Copy"),
  );
}

function actionRow(action) {
  const invalid = action.label === "Invalid action";
  return h("li", { dataset: { actionId: action.id } },
    h("div", { class: "row" },
      h("a", { href: actionUrl(action), class: `action-open${invalid ? " invalid" : ""}` }, action.label),
      h("span", { class: "muted small" }, authLabel(action.auth)),
    ),
    action.blocked ? h("p", { class: "alert small" }, action.blocked) : null,
    action.auth.type === "oauth" && action.callback_url ? callbackField(action) : null,
  );
}

function renderActions() {
  fill($("#action-list"), actions.map(actionRow));
  renderCapabilities();
}

function renderCreateAction() {
  const slot = $("#create-action-slot");
  if (actions.length >= maxActions) {
    fill(slot, h("p", { class: "muted" }, `GPTs can have a maximum of ${maxActions} actions`));
    return;
  }
  const reason = !workspace.settings.custom_actions_enabled ? ACTIONS_DISABLED
    : gpt.apps.length > 0 ? APPS_OR_ACTIONS : null;
  const button = h("button", { type: "button", class: "secondary", id: "create-action", disabled: Boolean(reason),
    title: reason, "aria-describedby": reason ? "create-action-reason" : null,
    onclick: () => location.assign(`/gpts/${encodeURIComponent(gptId)}/actions/new`) }, "Create new action");
  fill(slot,
    h("span", { class: "tooltip-wrap", title: reason }, button),
    reason ? h("p", { class: "muted small", id: "create-action-reason", role: "tooltip" }, reason) : null);
}

// --- publish ----------------------------------------------------------------------------------
const dialog = $("#publish-dialog");
trapFocus(dialog);

function errorTarget(pointer) {
  const action = /^\/actions\/([^/]+)(\/privacy_policy_url)?$/.exec(pointer || "");
  if (action) {
    const found = actions.find((a) => a.id === action[1]);
    const fragment = action[2] ? "#privacy-policy" : "#schema";
    return { href: `/gpts/${encodeURIComponent(gptId)}/actions/${encodeURIComponent(action[1])}/edit${fragment}`,
      text: found ? `Edit ${found.label}` : "Edit the action" };
  }
  const field = document.querySelector(`[data-pointer="${CSS.escape(pointer || "")}"]`);
  return field ? { field, text: `Edit ${field.labels[0]?.textContent || "the field"}` } : null;
}

function publishError(error) {
  const target = errorTarget(error.pointer);
  if (!target) return h("li", {}, error.detail);
  const link = target.href
    ? h("a", { href: target.href }, "Click here to update.")
    : h("a", { href: `#${target.field.id}`, onclick: (event) => {
      event.preventDefault();
      dialog.addEventListener("close", () => target.field.focus(), { once: true }); // after focus returns to the opener
      dialog.close("cancel");
    } }, target.text);
  return h("li", {}, `${error.detail}. `, link);
}

function showPublishErrors(exc) {
  const errors = exc.errors.length ? exc.errors : [{ pointer: null, detail: exc.message }];
  $("#publish-summary").textContent = errors.length === 1 ? "Publishing is blocked:" : `Publishing is blocked by ${errors.length} problems:`;
  fill($("#publish-error-list"), errors.map(publishError));
  $("#publish-errors").hidden = false;
}

const VISIBILITIES = ["private", "workspace", "link", "public"];

function limitVisibility() {
  const allowed = VISIBILITIES.indexOf(workspace.settings.max_visibility);
  for (const input of dialog.querySelectorAll('input[name="visibility"]')) {
    const over = VISIBILITIES.indexOf(input.value) > allowed;
    input.disabled = over;
    input.closest("label").title = over ? "Your workspace does not allow sharing this widely." : "";
  }
}

$("#open-publish").addEventListener("click", () => {
  $("#publish-errors").hidden = true;
  $("#publish-done").hidden = true;
  limitVisibility();
  const current = dialog.querySelector(`input[value="${gpt.visibility}"]`);
  if (current) current.checked = true;
  openDialog(dialog);
});
$("#publish-cancel").addEventListener("click", () => dialog.close("cancel"));
$("#publish-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const visibility = new FormData(event.target).get("visibility");
  $("#publish-errors").hidden = true;
  try {
    const version = await post(`/gpts/${encodeURIComponent(gptId)}/publish`, { visibility });
    gpt = await get(`/gpts/${encodeURIComponent(gptId)}`);
    const done = $("#publish-done");
    done.textContent = `Published version ${version.version}.`;
    done.hidden = false;
  } catch (exc) {
    if (!(exc instanceof ApiError)) throw exc;
    showPublishErrors(exc);
  }
});

renderTitle();
renderActions();
await renderModels();
// Preview asks for a fresh draft after the user edits elsewhere (another tab): keep it simple.
document.addEventListener("visibilitychange", debounce(async () => {
  if (document.visibilityState !== "visible") return;
  actions = (await get(`/gpts/${encodeURIComponent(gptId)}/actions`)).items;
  renderActions();
}, 200));
ready();
