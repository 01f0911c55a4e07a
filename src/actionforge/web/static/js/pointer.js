// Where a JSON pointer lands in the schema text: {offset, line, column} (1-based line and column).
// JSON text is walked by a small scanner below; YAML text by the vendored `yaml` parser, whose
// nodes keep their source ranges. A pointer that goes past what the text holds lands on the
// deepest place it reached (the parent of a missing key), so every message has a line.
import { isMap, isSeq, parseDocument } from "../vendor/yaml/browser/dist/index.js";

export function isJsonText(text) {
  return /^\s*[[{]/.test(text);
}

export function segments(pointer) {
  if (!pointer) return [];
  return pointer.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function lineColumn(text, offset) {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line += 1;
    start = i + 1;
  }
  return { offset, line, column: offset - start + 1 };
}

/** {offset, line, column} of the pointer's place in the text (JSON or YAML). */
export function locate(text, pointer) {
  const parts = segments(pointer);
  let offset = 0;
  try {
    offset = isJsonText(text) ? locateJson(text, parts) : locateYaml(text, parts);
  } catch {
    offset = 0; // text that does not parse: the top
  }
  return lineColumn(text, offset);
}

// --- YAML -------------------------------------------------------------------------------------
function keyText(key) {
  if (key && typeof key === "object" && "value" in key) return String(key.value);
  return String(key);
}

function locateYaml(text, parts) {
  const doc = parseDocument(text, { uniqueKeys: false, strict: false });
  let node = doc.contents;
  let offset = node && node.range ? node.range[0] : 0;
  for (const part of parts) {
    if (isMap(node)) {
      const pair = node.items.findLast((p) => keyText(p.key) === part); // the last duplicate wins
      if (!pair) break;
      offset = pair.key && pair.key.range ? pair.key.range[0] : offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(part)];
      if (!item || !/^\d+$/.test(part)) break;
      offset = item.range ? item.range[0] : offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

// --- JSON -------------------------------------------------------------------------------------
// A scanner over the text as written: it skips values it does not need and stops at the key (for
// an object member) or the item (for an array element) the next segment names.
class JsonScanner {
  constructor(text) {
    this.text = text;
    this.i = 0;
  }

  space() {
    while (this.i < this.text.length && " \t\r\n".includes(this.text[this.i])) this.i += 1;
  }

  string() {
    const start = this.i;
    this.i += 1; // opening quote
    while (this.i < this.text.length && this.text[this.i] !== '"') {
      this.i += this.text[this.i] === "\\" ? 2 : 1;
    }
    this.i += 1;
    return JSON.parse(this.text.slice(start, this.i));
  }

  skipValue() {
    this.space();
    const c = this.text[this.i];
    if (c === '"') return void this.string();
    if (c === "{" || c === "[") return void this.skipContainer();
    while (this.i < this.text.length && !",}]".includes(this.text[this.i])) this.i += 1;
  }

  skipContainer() {
    let depth = 0;
    do {
      const c = this.text[this.i];
      if (c === '"') { this.string(); continue; }
      if (c === "{" || c === "[") depth += 1;
      if (c === "}" || c === "]") depth -= 1;
      this.i += 1;
    } while (depth > 0 && this.i < this.text.length);
  }

  /** Inside an object at '{': move to the value of `key`; returns the key's offset or -1. */
  member(key) {
    this.i += 1;
    let found = -1;
    for (;;) {
      this.space();
      if (this.text[this.i] !== '"') return found;
      const at = this.i;
      const name = this.string();
      this.space();
      this.i += 1; // ':'
      this.space();
      if (name === key) found = at; // the last duplicate wins, as in the parsers
      const valueAt = this.i;
      this.skipValue();
      if (found === at) this.lastValue = valueAt;
      this.space();
      if (this.text[this.i] !== ",") return found;
      this.i += 1;
    }
  }

  /** Inside an array at '[': move to item `index`; returns its offset or -1. */
  item(index) {
    this.i += 1;
    for (let n = 0; ; n += 1) {
      this.space();
      if (this.text[this.i] === "]") return -1;
      if (n === index) return this.i;
      this.skipValue();
      this.space();
      if (this.text[this.i] !== ",") return -1;
      this.i += 1;
    }
  }
}

function locateJson(text, parts) {
  const scan = new JsonScanner(text);
  scan.space();
  let offset = scan.i;
  for (const part of parts) {
    scan.space();
    const c = text[scan.i];
    if (c === "{") {
      const at = scan.member(part);
      if (at < 0) break;
      offset = at;
      scan.i = scan.lastValue;
    } else if (c === "[" && /^\d+$/.test(part)) {
      const at = scan.item(Number(part));
      if (at < 0) break;
      offset = at;
      scan.i = at;
    } else {
      break;
    }
  }
  return offset;
}
