// Building DOM without HTML strings: every text goes in through textContent, so names, schema
// text and API responses can never become markup. (Markdown goes through markdown.js only.)

/**
 * h("button", {type: "button", class: "x", onclick: fn, dataset: {id}}, "text", child, ...)
 * Attributes named on* become listeners; null/false attributes are left out.
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (name === "class") {
      element.className = value;
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children (text or nodes). */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

/** The main element's data-* attributes: how the server hands ids to the page. */
export function pageData() {
  return document.getElementById("main").dataset;
}

/** Show or hide a field error by its JSON pointer (elements with data-error-for). */
export function showFieldErrors(errors, root = document) {
  for (const slot of $$("[data-error-for]", root)) {
    slot.hidden = true;
    slot.textContent = "";
  }
  const unplaced = [];
  for (const error of errors) {
    const slot = root.querySelector(`[data-error-for="${CSS.escape(error.pointer || "")}"]`);
    if (slot) {
      slot.textContent = error.detail;
      slot.hidden = false;
    } else {
      unplaced.push(error);
    }
  }
  return unplaced;
}

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}
