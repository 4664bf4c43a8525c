// poolviz share link: the address of this exact view in a read-only field, with a Copy button.
// Mounted by ui/share.py (st.components.v2) on every run. Data: {url}. The URL goes into the
// field's .value and nothing else (never HTML). It replaces an st.code block, whose 1.5 MB
// syntax highlighter the browser had to load before the first paint.
//
// Copy: navigator.clipboard where the page is a secure context (https, localhost); on plain
// http (a classroom server by IP) the field's text is selected and copied with execCommand,
// the one way left there; if both fail the text stays selected for Ctrl+C.

const SAID_MS = 2500; // how long "Copied" stays

function build(parent) {
  const root = document.createElement("div");
  root.className = "pvx-share";
  const label = document.createElement("label");
  label.className = "pvx-share-label";
  label.textContent = "Share this exact view:";
  const row = document.createElement("div");
  row.className = "pvx-share-row";
  const field = document.createElement("input");
  field.type = "text";
  field.readOnly = true;
  field.className = "pvx-share-url";
  field.id = "pvx-share-url";
  field.spellcheck = false;
  label.htmlFor = field.id;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "pvx-share-copy";
  button.textContent = "Copy link";
  const said = document.createElement("span");
  said.className = "pvx-share-said";
  said.setAttribute("role", "status");
  row.append(field, button, said);
  root.append(label, row);
  parent.append(root);
  field.addEventListener("focus", () => field.select());
  button.addEventListener("click", () => copy(field, said));
  return root;
}

function fallbackCopy(field) {
  field.focus();
  field.select();
  try {
    return document.execCommand("copy");
  } catch (_) {
    return false;
  }
}

async function copy(field, said) {
  let ok = false;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(field.value);
      ok = true;
    }
  } catch (_) {
    ok = false;
  }
  if (!ok) ok = fallbackCopy(field);
  said.textContent = ok ? "Copied" : "Selected: press Ctrl+C (⌘C) to copy";
  clearTimeout(said.__timer);
  said.__timer = setTimeout(() => { said.textContent = ""; }, SAID_MS);
}

export default function mount(component) {
  const { data, parentElement } = component;
  const root = parentElement.querySelector(".pvx-share") || build(parentElement);
  const field = root.querySelector(".pvx-share-url");
  const url = data && typeof data.url === "string" ? data.url : "";
  if (field.value !== url) field.value = url;
  root.dataset.url = url; // the test contract: the link shown, readable without the field
}
