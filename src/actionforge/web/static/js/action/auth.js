// The Authentication modal (§1): None / API Key / OAuth. Secrets are write-only: their fields
// always open empty, with a line saying whether a value is stored; leaving one empty keeps it.
// Beyond the original: an API key is one key for everyone or each user's own (the key field is
// hidden then), and OAuth has the PKCE switch and extra authorization parameters (name/value rows).
import { ApiError } from "../api.js";
import { $, $$, h } from "../dom.js";
import { openDialog, trapFocus } from "../ui.js";

export const AUTH_LABELS = { none: "None", api_key: "API Key", oauth: "OAuth" };

// The Authentication row's words: an API key each user brings says so.
export function authLabel(auth) {
  if (auth.type === "api_key" && auth.key_source === "user") return "API Key (each user)";
  return AUTH_LABELS[auth.type] || auth.type;
}

function radio(form, name) {
  return form.querySelector(`input[name="${name}"]:checked`)?.value;
}

function check(form, name, value) {
  const input = form.querySelector(`input[name="${name}"][value="${CSS.escape(value)}"]`);
  if (input) input.checked = true;
}

function secretState(element, state, what) {
  element.textContent = state === "set" ? `${what} is set. Leave the field empty to keep it.` : `No ${what.toLowerCase()} is set.`;
}

export class AuthDialog {
  /** save(body) stores the setting (and throws ApiError when refused). */
  constructor(dialog, { save }) {
    this.dialog = dialog;
    this.form = $("#auth-form", dialog);
    this.save = save;
    trapFocus(dialog);
    for (const input of $$('input[name="type"], input[name="authorization_type"], input[name="key_source"]', this.form)) {
      input.addEventListener("change", () => this.sync());
    }
    this.params = new ExtraParams($("#extra-params", dialog), $("#add-extra-param", dialog));
    $("#auth-cancel", dialog).addEventListener("click", () => dialog.close("cancel"));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  open(auth) {
    const form = this.form;
    form.reset();
    check(form, "type", auth.type || "none");
    check(form, "authorization_type", auth.authorization_type || "basic");
    check(form, "token_exchange_method", auth.token_exchange_method || "default_post");
    check(form, "key_source", auth.key_source || "builder");
    $("#pkce", form).checked = auth.pkce !== false;
    this.params.show(auth.type === "oauth" ? auth.extra_authorize_params || {} : {});
    $("#custom-header", form).value = auth.custom_auth_header || "";
    $("#authorization-url", form).value = auth.authorization_url || "";
    $("#token-url", form).value = auth.token_url || "";
    $("#scope", form).value = auth.scope || "";
    $("#revocation-url", form).value = auth.revocation_url || "";
    for (const id of ["api-key", "client-id", "client-secret"]) $(`#${id}`, form).value = "";
    secretState($("#api-key-state", form), auth.type === "api_key" ? auth.api_key : "not set", "An API key");
    secretState($("#client-id-state", form), auth.type === "oauth" ? auth.client_id : "not set", "A client ID");
    secretState($("#client-secret-state", form), auth.type === "oauth" ? auth.client_secret : "not set", "A client secret");
    $("#auth-error", form).hidden = true;
    this.sync();
    return openDialog(this.dialog, { focus: form.querySelector('input[name="type"]:checked') });
  }

  sync() {
    const type = radio(this.form, "type");
    $("#auth-api-key", this.form).hidden = type !== "api_key";
    $("#auth-oauth", this.form).hidden = type !== "oauth";
    $("#custom-header-row", this.form).hidden = radio(this.form, "authorization_type") !== "custom";
    const ownKeys = radio(this.form, "key_source") === "user";
    $("#shared-key-row", this.form).hidden = ownKeys;
    $("#user-key-note", this.form).hidden = !ownKeys;
  }

  body() {
    const form = this.form;
    const type = radio(form, "type");
    const optional = (id) => $(`#${id}`, form).value || undefined;
    if (type === "api_key") {
      const mode = radio(form, "authorization_type");
      const source = radio(form, "key_source");
      return { type, authorization_type: mode, custom_auth_header: mode === "custom" ? optional("custom-header") : undefined,
        key_source: source, api_key: source === "user" ? undefined : optional("api-key") };
    }
    if (type === "oauth") {
      return { type, client_id: optional("client-id"), client_secret: optional("client-secret"),
        authorization_url: optional("authorization-url"), token_url: optional("token-url"), scope: $("#scope", form).value,
        token_exchange_method: radio(form, "token_exchange_method"), revocation_url: optional("revocation-url"),
        pkce: $("#pkce", form).checked, extra_authorize_params: this.params.value() };
    }
    return { type: "none" };
  }

  async submit() {
    const error = $("#auth-error", this.form);
    error.hidden = true;
    try {
      await this.save(this.body());
      this.dialog.close("saved");
    } catch (exc) {
      if (!(exc instanceof ApiError)) throw exc;
      error.textContent = exc.errors.length ? exc.errors.map((e) => e.detail).join(" ") : exc.message;
      error.hidden = false;
    }
  }
}

/** The extra authorization parameters: one row per name/value, each labelled, with Remove; Add
 * parameter appends a row and focuses its name. Rows left with no name are not sent. */
class ExtraParams {
  constructor(list, addButton) {
    this.list = list;
    this.addButton = addButton;
    addButton.addEventListener("click", () => this.add("", "").querySelector("input").focus());
  }

  show(params) {
    this.list.replaceChildren();
    for (const [name, value] of Object.entries(params)) this.add(name, value);
  }

  add(name, value) {
    const row = h("li", { class: "row extra-param" },
      h("label", { class: "visually-hidden" }, "Name"),
      h("input", { class: "extra-name", autocomplete: "off", placeholder: "name", value: name }),
      h("label", { class: "visually-hidden" }, "Value"),
      h("input", { class: "extra-value", autocomplete: "off", placeholder: "value", value: value }),
      h("button", { type: "button", class: "secondary remove-extra-param", onclick: () => this.remove(row) }, "Remove"));
    this.list.append(row);
    this.relabel();
    return row;
  }

  remove(row) {
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    this.relabel();
    (next ? next.querySelector("input") : this.addButton).focus();
  }

  /** Labels say which row they belong to ("Parameter 2 name"), so a screen reader can tell them apart. */
  relabel() {
    this.list.querySelectorAll("li").forEach((row, index) => {
      const n = index + 1;
      const [nameLabel, valueLabel] = row.querySelectorAll("label");
      const [nameInput, valueInput] = row.querySelectorAll("input");
      nameInput.id = `extra-name-${n}`;
      valueInput.id = `extra-value-${n}`;
      nameLabel.htmlFor = nameInput.id;
      valueLabel.htmlFor = valueInput.id;
      nameLabel.textContent = `Parameter ${n} name`;
      valueLabel.textContent = `Parameter ${n} value`;
      row.querySelector("button").setAttribute("aria-label", `Remove parameter ${n}`);
    });
  }

  value() {
    const params = {};
    for (const row of this.list.querySelectorAll("li")) {
      const name = row.querySelector(".extra-name").value.trim();
      if (name) params[name] = row.querySelector(".extra-value").value;
    }
    return params;
  }
}
