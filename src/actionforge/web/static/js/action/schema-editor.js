// The schema's code editor: CodeMirror 5 (vendored, loaded as classic scripts before the page
// module) on the page's <textarea>, with JSON or YAML mode, line numbers, a gutter for issues,
// the placeholder, and Format.
import { parseDocument } from "../../vendor/yaml/browser/dist/index.js";
import { isJsonText, locate } from "../pointer.js";

const GUTTER = "issue-gutter";

export class SchemaEditor {
  constructor(textarea, { onChange, onEscape }) {
    this.cm = window.CodeMirror.fromTextArea(textarea, {
      lineNumbers: true,
      inputStyle: "contenteditable", // the editable element sits in the scroller: keyboard and screen readers reach it
      mode: "yaml",
      tabSize: 2,
      indentWithTabs: false,
      lineWrapping: false,
      matchBrackets: true,
      gutters: [GUTTER, "CodeMirror-linenumbers"],
      extraKeys: {
        Tab: (cm) => cm.execCommand("insertSoftTab"),
        Esc: (cm) => (onEscape ? onEscape() : cm.getInputField().blur()), // Tab indents, so Esc leaves
      },
      screenReaderLabel: "OpenAPI schema",
    });
    const described = textarea.getAttribute("aria-describedby");
    if (described) this.cm.getInputField().setAttribute("aria-describedby", described);
    this.marked = [];
    this.cm.on("change", () => {
      this.cm.setOption("mode", isJsonText(this.text) ? { name: "javascript", json: true } : "yaml");
      onChange(this.text);
    });
  }

  get text() {
    return this.cm.getValue();
  }

  set text(value) {
    this.cm.setValue(value);
    this.cm.clearHistory();
  }

  /** Mark each issue's line in the gutter; returns the issues with {line, column}. */
  showIssues(issues) {
    this.clearIssues();
    const text = this.text;
    const placed = issues.map((issue) => ({ ...issue, ...locate(text, issue.pointer) }));
    const byLine = new Map();
    for (const issue of placed) {
      const worst = byLine.get(issue.line);
      if (!worst || issue.level === "error") byLine.set(issue.line, issue);
    }
    for (const [line, issue] of byLine) {
      const marker = document.createElement("span");
      marker.className = `issue-marker ${issue.level}`;
      marker.textContent = issue.level === "error" ? "●" : "▲";
      marker.title = issue.message;
      marker.setAttribute("aria-hidden", "true");
      this.cm.setGutterMarker(line - 1, GUTTER, marker);
      if (issue.level === "error") {
        this.marked.push(this.cm.addLineClass(line - 1, "background", "issue-line"));
      }
    }
    return placed;
  }

  clearIssues() {
    this.cm.clearGutter(GUTTER);
    for (const handle of this.marked) this.cm.removeLineClass(handle, "background", "issue-line");
    this.marked = [];
  }

  goTo(line, column) {
    this.cm.focus();
    this.cm.setCursor({ line: line - 1, ch: column - 1 });
    this.cm.scrollIntoView(null, 80);
  }

  /** JSON pretty-printed with 2 spaces; YAML re-dumped (indent 2, width 120); else unchanged. */
  format() {
    const text = this.text;
    if (!text.trim()) return;
    let formatted = null;
    if (isJsonText(text)) {
      try { formatted = `${JSON.stringify(JSON.parse(text), null, 2)}\n`; } catch { formatted = null; }
    } else {
      const doc = parseDocument(text);
      if (doc.errors.length === 0) formatted = doc.toString({ indent: 2, lineWidth: 120 });
    }
    if (formatted !== null && formatted !== text) this.cm.setValue(formatted);
  }

  refresh() {
    this.cm.refresh();
  }
}
