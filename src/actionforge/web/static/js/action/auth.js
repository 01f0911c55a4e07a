// The Authentication modal (§1): None / API Key / OAuth. Secrets are write-only: their fields
// always open empty, with a line saying whether a value is stored; leaving one empty keeps it.
import { ApiError } from "../api.js";
import { $, $$ } from "../dom.js";
import { openDialog, trapFocus } from "../ui.js";

export const AUTH_LABELS = { none: "None", api_key: "API Key", oauth: "OAuth" };

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
    for (const input of $$('input[name="type"], input[name="authorization_type"]', this.form)) {
      input.addEventListener("change", () => this.sync());
    }
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
  }

  body() {
    const form = this.form;
    const type = radio(form, "type");
    const optional = (id) => $(`#${id}`, form).value || undefined;
    if (type === "api_key") {
      const mode = radio(form, "authorization_type");
      return { type, authorization_type: mode, custom_auth_header: mode === "custom" ? optional("custom-header") : undefined,
        api_key: optional("api-key") };
    }
    if (type === "oauth") {
      return { type, client_id: optional("client-id"), client_secret: optional("client-secret"),
        authorization_url: optional("authorization-url"), token_url: optional("token-url"), scope: $("#scope", form).value,
        token_exchange_method: radio(form, "token_exchange_method"), revocation_url: optional("revocation-url") };
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
