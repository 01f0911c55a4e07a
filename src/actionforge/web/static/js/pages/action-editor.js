// The action editor (§2.9, top to bottom): title and back, delete, Authentication, Schema (import,
// examples, the code editor, Format), validation ~1 s after the last edit, Available actions with
// the direct test, the workspace's domains, and the privacy policy. Preview is on the right.
import { ApiError, del, get, patch, post, requireSession } from "../api.js";
import { $, debounce, fill, h, pageData, showFieldErrors } from "../dom.js";
import { AuthDialog, authLabel } from "../action/auth.js";
import { SchemaEditor } from "../action/schema-editor.js";
import { argumentsForm, resultView } from "../action/test-form.js";
import { initHeader, must, openDialog, ready, trapFocus } from "../ui.js";

const VALIDATE_AFTER_MS = 1000;
const NO_DOMAINS = "No domains are allowed by your workspace's settings.";

await requireSession();
initHeader();
const gptId = pageData().gptId;
let actionId = pageData().actionId || null;
const gptPath = `/gpts/${encodeURIComponent(gptId)}`;
const gpt = await must(get(gptPath));
const workspace = await get(`/workspaces/${encodeURIComponent(gpt.workspace_id)}`);
let action = actionId ? await must(get(`${gptPath}/actions/${encodeURIComponent(actionId)}`)) : null;
let report = null;
let dirty = false;

const actionPath = () => `${gptPath}/actions/${encodeURIComponent(actionId)}`;
const announce = (name, detail = {}) => document.dispatchEvent(new CustomEvent(name, { detail: { gptId, actionId, ...detail } }));

// --- title, back, delete ----------------------------------------------------------------------
function renderHead() {
  const title = action ? "Edit actions" : "Add actions";
  $("#action-title").textContent = title;
  document.title = `${title} · actionforge`;
  $("#delete-action").hidden = !action;
  $("#refresh-open").hidden = !(action && action.source_url);
  $("#auth-type").textContent = authLabel(action ? action.auth : { type: "none" });
}

const deleteDialog = $("#delete-dialog");
trapFocus(deleteDialog);
$("#delete-action").addEventListener("click", async () => {
  if ((await openDialog(deleteDialog)) !== "delete") return;
  await del(actionPath());
  announce("actionforge:draft-saved");
  location.assign(`${gptPath}/edit`);
});

// --- saving -----------------------------------------------------------------------------------
const saveState = $("#save-state");
const saveError = $("#save-error");

function fields() {
  return {
    schema: editor.text,
    privacy_policy_url: $("#privacy-policy").value.trim() || null,
    base_url: $("#base-url").value.trim() || null,
  };
}

async function store(body) {
  action = actionId ? await patch(actionPath(), body) : await post(`${gptPath}/actions`, body);
  if (!actionId) {
    actionId = action.id;
    history.replaceState(null, "", `${gptPath}/actions/${encodeURIComponent(actionId)}/edit`);
  }
  renderHead();
  announce("actionforge:draft-saved");
  return action;
}

/** Save the schema, base URL and privacy policy; true when stored. */
async function save() {
  saveError.hidden = true;
  saveState.textContent = "Saving…";
  try {
    await store(fields());
    dirty = false;
    showFieldErrors([]);
    saveState.textContent = "Saved";
    return true;
  } catch (exc) {
    if (!(exc instanceof ApiError)) throw exc;
    saveState.textContent = "Not saved";
    const unplaced = showFieldErrors(exc.errors.length ? exc.errors : [{ pointer: "", detail: exc.message }]);
    if (unplaced.length) {
      saveError.textContent = unplaced.map((e) => e.detail).join(" ");
      saveError.hidden = false;
    }
    return false;
  }
}
$("#save-action").addEventListener("click", save);
for (const id of ["privacy-policy", "base-url"]) $(`#${id}`).addEventListener("input", () => { dirty = true; });

// --- authentication ---------------------------------------------------------------------------
const auth = new AuthDialog($("#auth-dialog"), {
  save: async (body) => {
    await store(actionId ? { auth: body } : { ...fields(), auth: body });
  },
});
$("#open-auth").addEventListener("click", () => auth.open(action ? action.auth : { type: "none" }));

// --- schema: editor, examples, import, format -------------------------------------------------
const editor = new SchemaEditor($("#schema"), {
  onChange: (text) => {
    dirty = true;
    $("#format").disabled = text.trim() === "";
    scheduleValidation();
  },
  onEscape: () => $("#format").focus(),
});

const examples = await get("/editor/examples");
$("#examples").append(...examples.map((e) => h("option", { value: e.key }, e.label)));
$("#examples").addEventListener("change", (event) => {
  const chosen = examples.find((e) => e.key === event.target.value);
  event.target.value = "";
  if (chosen) editor.text = chosen.text;
});
$("#format").addEventListener("click", () => editor.format());

const importRow = $("#import-row");
$("#import-open").addEventListener("click", () => {
  importRow.hidden = false;
  $("#import-url").focus();
});
$("#import-cancel").addEventListener("click", () => {
  importRow.hidden = true;
  $("#import-error").hidden = true;
  $("#import-open").focus();
});
$("#import-go").addEventListener("click", importFromUrl);

async function importFromUrl() {
  const error = $("#import-error");
  error.hidden = true;
  let url;
  try { url = new URL($("#import-url").value.trim()); } catch { return; } // invalid URLs do nothing
  if (!url.hostname || !["http:", "https:"].includes(url.protocol)) return;
  try {
    const path = actionId ? `${actionPath()}/import` : `${gptPath}/actions/import`;
    const imported = await post(path, { url: url.href });
    await adopt(imported);
    editor.format(); // as the original does; formatting is an unsaved edit
    dirty = editor.text !== imported.schema;
    importRow.hidden = true;
  } catch (exc) {
    if (!(exc instanceof ApiError)) throw exc;
    error.textContent = exc.errors.length ? exc.errors.map((e) => e.detail).join(" ") : exc.message;
    error.hidden = false;
  }
}

/** A stored action from the server (import, refresh): it becomes the editor's state. */
async function adopt(stored) {
  const created = !actionId;
  action = stored;
  actionId = stored.id;
  if (created) history.replaceState(null, "", `${gptPath}/actions/${encodeURIComponent(actionId)}/edit`);
  editor.text = stored.schema;
  scheduleValidation.cancel();
  renderHead();
  announce("actionforge:draft-saved");
  await validate();
}

// --- refresh from URL: a diff first, Confirm saves exactly the reviewed document --------------
const refreshPanel = $("#refresh-panel");
let refreshFingerprint = null;

function operationItem(op) {
  return h("li", {}, `${op.method.toUpperCase()} ${op.path} (${op.operation})`);
}

function changedItem(op) {
  const parts = [["added", op.added], ["removed", op.removed], ["changed", op.changed]]
    .filter(([, names]) => names.length)
    .map(([what, names]) => `${what}: ${names.join(", ")}`);
  return h("li", {}, `${op.method.toUpperCase()} ${op.path} (${op.operation}): parameters ${parts.join("; ")}`);
}

function diffView(diff) {
  if (diff.unchanged) {
    return h("p", {}, diff.text_changed ? "No operation changed; only the document's text differs." : "The document has not changed.");
  }
  const section = (title, items, render) => (items.length ? [h("h4", {}, title), h("ul", {}, items.map(render))] : []);
  return h("div", {},
    ...section("Operations added", diff.added, operationItem),
    ...section("Operations removed", diff.removed, operationItem),
    ...section("Operations changed", diff.changed, changedItem),
    diff.validation && !diff.validation.success ? h("p", { class: "alert" }, "The new document has errors; see them after confirming.") : null);
}

$("#refresh-open").addEventListener("click", async () => {
  const error = $("#import-error");
  error.hidden = true;
  try {
    const diff = await post(`${actionPath()}/refresh`);
    refreshFingerprint = diff.fingerprint;
    $("#refresh-source").textContent = `From ${diff.source_url}`;
    fill($("#refresh-diff"), diffView(diff));
    $("#refresh-confirm").disabled = !diff.text_changed;
    refreshPanel.hidden = false;
    $(diff.text_changed ? "#refresh-confirm" : "#refresh-cancel").focus();
  } catch (exc) {
    if (!(exc instanceof ApiError)) throw exc;
    error.textContent = exc.message;
    error.hidden = false;
  }
});
$("#refresh-cancel").addEventListener("click", () => {
  refreshPanel.hidden = true;
  $("#refresh-open").focus();
});
$("#refresh-confirm").addEventListener("click", async () => {
  try {
    await adopt(await post(`${actionPath()}/refresh/confirm`, { fingerprint: refreshFingerprint }));
    dirty = false;
    refreshPanel.hidden = true;
    saveState.textContent = "Saved";
  } catch (exc) {
    if (!(exc instanceof ApiError)) throw exc;
    fill($("#refresh-diff"), h("p", { class: "alert", role: "alert" }, exc.message));
  }
});

// --- validation -------------------------------------------------------------------------------
let validationRound = 0;
const scheduleValidation = debounce(validate, VALIDATE_AFTER_MS);

async function validate() {
  const round = (validationRound += 1);
  const text = editor.text;
  if (text.trim() === "") { // an empty editor cancels validation
    report = null;
    renderIssues([]);
    renderOperations([]);
    return;
  }
  const found = await post("/editor/validate", { schema: text });
  if (round !== validationRound) return; // a later edit is being validated
  report = found;
  const issues = [
    ...found.errors.map((e) => ({ ...e, level: "error" })),
    ...found.warnings.map((w) => ({ ...w, level: "warning" })),
  ];
  renderIssues(editor.showIssues(issues));
  renderOperations(found.spec ? found.spec.operations : []);
}

function renderIssues(placed) {
  if (placed.length === 0) editor.clearIssues();
  fill($("#issues"), placed.map((issue) => h("li", { class: issue.level },
    h("button", { type: "button", onclick: () => editor.goTo(issue.line, issue.column) },
      h("span", { class: "where" }, `Line ${issue.line}, column ${issue.column}`),
      `${issue.level === "warning" ? "Warning: " : ""}${issue.message}`),
  )));
}

// --- available actions and the direct test ----------------------------------------------------
function renderOperations(operations) {
  $("#no-operations").hidden = operations.length > 0;
  $("#operations").hidden = operations.length === 0;
  fill($("#operations tbody"), operations.map((op) => h("tr", {},
    h("td", {}, op.operationName),
    h("td", {}, op.method.toUpperCase()),
    h("td", { class: "path" }, op.path),
    h("td", { class: "buttons" },
      h("button", { type: "button", class: "secondary", "aria-label": `Test ${op.operationName}`, onclick: () => openTest(op) }, "Test"),
      " ",
      h("button", { type: "button", class: "secondary", "aria-label": `Test ${op.operationName} in Preview`,
        onclick: () => testInPreview(op) }, "Preview")),
  )));
}

async function ensureSaved() {
  return (!dirty && actionId) || save();
}

async function testInPreview(op) {
  if (await ensureSaved()) announce("actionforge:test-in-preview", { operationId: op.operationName });
}

async function openTest(op) {
  const panel = $("#test-panel");
  if (!(await ensureSaved())) return;
  const tools = await post("/editor/tools", { schema: editor.text, base_url: $("#base-url").value.trim() || null });
  const tool = tools.find((t) => t.name === op.operationName || t.operation_id === op.operationName);
  $("#test-title").textContent = `Test ${op.operationName}`;
  fill($("#test-result"));
  const args = argumentsForm(tool ? tool.parameters : null);
  const send = h("button", { type: "submit", class: "primary" }, "Send request");
  const testForm = $("#test-form");
  fill(testForm, args.element, h("div", { class: "dialog-buttons" }, send));
  testForm.onsubmit = async (event) => {
    event.preventDefault();
    send.disabled = true;
    try {
      const result = await post(`${actionPath()}/test`, { operation: tool ? tool.name : op.operationName, arguments: args.value() });
      fill($("#test-result"), resultView(result));
    } catch (exc) {
      if (!(exc instanceof ApiError)) throw exc;
      fill($("#test-result"), h("p", { class: "alert", role: "alert" }, exc.errors.map((e) => `${e.pointer} ${e.detail}`).join("; ") || exc.message));
    } finally {
      send.disabled = false;
    }
  };
  panel.hidden = false;
  (testForm.querySelector("input, select, textarea") || send).focus();
}

// --- the workspace's domains ------------------------------------------------------------------
function renderDomains() {
  const { domain_policy: policy, allowed_domains: domains } = workspace.settings;
  const slot = $("#workspace-domains");
  if (policy === "none" || (policy === "list" && domains.length === 0)) {
    fill(slot, h("p", { class: "domains domains-none" }, NO_DOMAINS));
  } else if (policy === "list") {
    fill(slot, h("details", { class: "domains" }, h("summary", {}, "Domains allowed by your workspace"),
      h("ul", {}, domains.map((d) => h("li", {}, d)))));
  } else {
    fill(slot);
  }
}

// --- start ------------------------------------------------------------------------------------
renderHead();
renderDomains();
if (action) {
  editor.text = action.schema;
  $("#privacy-policy").value = action.privacy_policy_url || "";
  $("#base-url").value = action.base_url || "";
  if (action.blocked) {
    saveError.textContent = action.blocked;
    saveError.hidden = false;
  }
  scheduleValidation.cancel();
  await validate();
} else {
  renderOperations([]);
}
dirty = false;
$("#format").disabled = editor.text.trim() === "";
if (location.hash === "#privacy-policy") $("#privacy-policy").focus();
ready();
