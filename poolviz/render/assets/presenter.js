// poolviz presentation mode: the keys a presentation clicker sends walk the lesson steps.
// Mounted by ui/presenter.py (st.components.v2) only while ?present=1; it draws nothing.
// Data: {step, steps}. Talks back: setTriggerValue("go", {to}) with the step to open; the
// server checks it (poolviz/view/presenter_events.py) before anything uses it.
//
// Keys: ArrowRight, ArrowDown, PageDown -> next step; ArrowLeft, ArrowUp, PageUp -> back.
// A key meant for a control is left alone: text fields, range inputs (the shift), radios,
// selects, the tab bar, and the input grid (its arrows move a focus cell).

const NEXT = new Set(["ArrowRight", "ArrowDown", "PageDown"]);
const BACK = new Set(["ArrowLeft", "ArrowUp", "PageUp"]);
const OWN_KEYS = new Set(["INPUT", "TEXTAREA", "SELECT", "CANVAS"]);
const OWN_ROLES = new Set(["tab", "slider", "grid", "listbox", "option", "combobox", "textbox", "radio"]);

function meantForAControl(event) {
  // Inside a shadow root (the Explore component) the event is retargeted to its host:
  // the first element of the composed path is what really has the focus.
  for (const node of event.composedPath()) {
    if (!(node instanceof Element)) continue;
    if (OWN_KEYS.has(node.tagName) || node.isContentEditable) return true;
    if (OWN_ROLES.has(node.getAttribute("role"))) return true;
  }
  return false;
}

function onKey(event) {
  const me = window.__poolvizPresenter;
  if (!me || !me.parent.isConnected || event.defaultPrevented) return;
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const delta = NEXT.has(event.key) ? 1 : BACK.has(event.key) ? -1 : 0;
  if (!delta || meantForAControl(event)) return;
  const to = me.step + delta;
  if (to < 1 || to > me.steps) return;
  event.preventDefault(); // PageDown would scroll the page as well
  me.step = to; // a second press before the rerun goes one further, not to the same step
  me.send("go", { to });
}

export default function mount(component) {
  const { data, parentElement, setTriggerValue } = component;
  const steps = Number.isSafeInteger(data?.steps) ? data.steps : 0;
  const step = Number.isSafeInteger(data?.step) ? data.step : 0;
  const first = !window.__poolvizPresenter;
  window.__poolvizPresenter = { parent: parentElement, send: setTriggerValue, step, steps };
  if (first) document.addEventListener("keydown", onKey, true);
  // parentElement may be a shadow root (no dataset): the marker says which step it holds.
  let mark = parentElement.querySelector(".pv-presenter");
  if (!mark) {
    mark = document.createElement("span");
    mark.className = "pv-presenter";
    parentElement.appendChild(mark);
  }
  mark.dataset.step = String(step);
}
