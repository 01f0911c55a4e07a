// Sign in with email and password (POST /api/session), then go back where the user was headed.
import { ApiError, post, session, setSession } from "../api.js";
import { safeNext, ready } from "../ui.js";

const form = document.getElementById("sign-in-form");
const error = document.getElementById("sign-in-error");
const next = safeNext(new URLSearchParams(location.search).get("next"));

if (await session()) location.replace(next);

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const body = { email: form.email.value.trim(), password: form.password.value };
  try {
    setSession(await post("/session", body));
    location.assign(next);
  } catch (exc) {
    error.textContent = exc instanceof ApiError ? exc.message : "Could not reach the server.";
    error.hidden = false;
    form.password.focus();
  }
});
document.getElementById("sign-in-email").focus();
ready();
