// The direct test: a form generated from the operation's argument schema (nested objects and
// arrays included), sent to POST /api/gpts/{gpt}/actions/{action}/test; the answer shows the
// exact request as sent (secrets redacted), the response and the timing. Everything is text.
import { h } from "../dom.js";

let counter = 0;
const nextId = (name) => `test-${(counter += 1)}-${String(name).replace(/[^A-Za-z0-9_-]/g, "_")}`;

function kindOf(schema) {
  if (!schema || typeof schema !== "object") return "json";
  if (Array.isArray(schema.enum)) return "enum";
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "object" || (!type && schema.properties)) return "object";
  return ["array", "string", "integer", "number", "boolean"].includes(type) ? type : "json";
}

function labelFor(name, schema, required) {
  return `${name}${required ? " (required)" : ""}${schema && schema.description ? ` — ${schema.description}` : ""}`;
}

/** A field: {element, value()} where value() is undefined when left empty. */
function field(name, schema, required) {
  const builders = { object: objectField, array: arrayField, enum: enumField, boolean: booleanField,
    integer: numberField, number: numberField, string: stringField, json: jsonField };
  return builders[kindOf(schema)](name, schema || {}, required);
}

function objectField(name, schema, required, { root = false } = {}) {
  const needed = new Set(schema.required || []);
  const children = Object.entries(schema.properties || {}).map(([key, sub]) => [key, field(key, sub, needed.has(key))]);
  const element = root
    ? h("div", { class: "stack" }, children.map(([, f]) => f.element))
    : h("fieldset", { class: "stack" }, h("legend", {}, labelFor(name, schema, required)), children.map(([, f]) => f.element));
  return {
    element,
    value() {
      const out = {};
      for (const [key, f] of children) {
        const v = f.value();
        if (v !== undefined) out[key] = v;
      }
      return Object.keys(out).length || required || root ? out : undefined;
    },
  };
}

function arrayField(name, schema, required) {
  const items = [];
  const list = h("ol", { class: "stack-tight" });
  const legend = labelFor(name, schema, required);
  const add = () => {
    const item = field(`${name} item ${items.length + 1}`, schema.items || {}, true);
    const row = h("li", { class: "row" }, item.element,
      h("button", { type: "button", class: "icon-button", "aria-label": `Remove ${name} item`, onclick: () => {
        items.splice(items.indexOf(item), 1);
        row.remove();
      } }, "✕"));
    items.push(item);
    list.append(row);
    row.querySelector("input, select, textarea")?.focus();
  };
  const element = h("fieldset", { class: "stack" }, h("legend", {}, legend), list,
    h("button", { type: "button", class: "secondary", onclick: add }, `Add ${name} item`));
  return {
    element,
    value() {
      const values = items.map((i) => i.value()).filter((v) => v !== undefined);
      return values.length || required ? values : undefined;
    },
  };
}

function labelled(name, schema, required, control) {
  const id = nextId(name);
  control.id = id;
  if (required) control.required = true;
  return h("div", { class: "stack" }, h("label", { for: id }, labelFor(name, schema, required)), control);
}

function withDefault(control, schema) {
  if (schema.default !== undefined && schema.default !== null) control.value = String(schema.default);
  return control;
}

function stringField(name, schema, required) {
  const input = withDefault(h("input", { type: "text", placeholder: schema.format || "" }), schema);
  return { element: labelled(name, schema, required, input), value: () => (input.value === "" && !required ? undefined : input.value) };
}

function numberField(name, schema, required) {
  const input = withDefault(h("input", { type: "number", step: schema.type === "integer" ? "1" : "any" }), schema);
  return { element: labelled(name, schema, required, input), value: () => (input.value === "" ? undefined : Number(input.value)) };
}

function booleanField(name, schema, required) {
  const select = h("select", {}, h("option", { value: "" }, "(not sent)"), h("option", { value: "true" }, "true"), h("option", { value: "false" }, "false"));
  withDefault(select, schema);
  return { element: labelled(name, schema, required, select), value: () => (select.value === "" ? undefined : select.value === "true") };
}

function enumField(name, schema, required) {
  const select = h("select", {}, h("option", { value: "" }, "(not sent)"),
    schema.enum.map((v, i) => h("option", { value: String(i) }, JSON.stringify(v))));
  const index = schema.enum.findIndex((v) => v === schema.default);
  if (index >= 0) select.value = String(index);
  return { element: labelled(name, schema, required, select), value: () => (select.value === "" ? undefined : schema.enum[Number(select.value)]) };
}

function jsonField(name, schema, required) {
  const area = h("textarea", { rows: "2", placeholder: "JSON value" });
  return {
    element: labelled(name, schema, required, area),
    value() {
      if (area.value.trim() === "") return undefined;
      try { return JSON.parse(area.value); } catch { return area.value; }
    },
  };
}

/** The whole form's root: the tool's parameters object. */
export function argumentsForm(parameters) {
  return objectField("arguments", parameters || { type: "object", properties: {} }, true, { root: true });
}

// --- the answer -------------------------------------------------------------------------------
function headerLines(headers) {
  return Object.entries(headers || {}).map(([k, v]) => `${k}: ${v}`).join("\n");
}

export function requestText(request) {
  const head = `${request.method} ${request.url}`;
  const headers = headerLines(request.headers);
  return [head, headers, "", request.body].filter((part, i) => i !== 1 || part).join("\n").trimEnd();
}

export function responseText(response) {
  return [`${response.status}${response.content_type ? ` ${response.content_type}` : ""}`, headerLines(response.headers),
    "", response.body + (response.truncated ? "\n[truncated]" : "")].join("\n");
}

export function resultView(result) {
  const summary = result.ok ? `OK: ${result.operation}` : `${result.outcome}: ${result.message || "the call failed"}`;
  return h("div", { class: "exchange" },
    h("p", { class: result.ok ? "success" : "alert", role: "status" }, summary),
    h("p", { class: "muted small" }, `Took ${result.timing.latency_ms} ms · started ${result.timing.started_at}`,
      result.egress.decision !== "allowed" ? ` · egress ${result.egress.decision}${result.egress.reason ? `: ${result.egress.reason}` : ""}` : ""),
    h("h4", {}, "Request"),
    h("pre", { class: "request", tabindex: "0", "aria-label": "Request as sent" }, result.request ? requestText(result.request) : "Nothing was sent."),
    h("h4", {}, "Response"),
    h("pre", { class: "response", tabindex: "0", "aria-label": "Response" }, result.response ? responseText(result.response) : "No response."),
    result.repairs.length ? h("details", {}, h("summary", {}, `Repairs (${result.repairs.length})`),
      h("pre", {}, JSON.stringify(result.repairs, null, 2))) : null,
  );
}
