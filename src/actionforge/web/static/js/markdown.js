// Markdown to safe DOM: marked renders, DOMPurify sanitizes; the one place HTML is set from text.
import { marked } from "../vendor/marked/lib/marked.esm.js";
import DOMPurify from "../vendor/dompurify/dist/purify.es.mjs";

marked.setOptions({ gfm: true, breaks: false });

/** Render Markdown into `element`, sanitized (no script, no handlers, no forms). */
export function renderMarkdown(element, text) {
  const html = marked.parse(String(text ?? ""), { async: false });
  element.innerHTML = DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ["form", "style"] });
  for (const link of element.querySelectorAll("a[href]")) {
    link.setAttribute("rel", "noopener noreferrer nofollow");
    link.setAttribute("target", "_blank");
  }
  return element;
}
