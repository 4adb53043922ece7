// Propose new wording by selecting it (templates/consultation/draft.html). Selecting words
// inside one clause or article text, with a finger or a mouse, shows a button at the bottom of
// the screen; tapping it opens that article's "Propose new wording" form with the words as
// the ones to change and as the start of the new wording. Without this script the same form
// takes the words typed or pasted, and the server checks they are in the text either way.

const button = document.getElementById("propose-selection");
let chosen = null;     // {article, clause, words} of the last selection inside a passage
let pressing = false;  // the button is being tapped: the selection it collapses still counts

function passageOf(node) {
  const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  return element?.closest(".passage") ?? null;
}

function onSelection() {
  const selection = document.getSelection();
  if (!selection || selection.isCollapsed || selection.rangeCount === 0) {
    if (!pressing) {
      chosen = null;
      button.hidden = true;
    }
    return;
  }
  const passage = passageOf(selection.getRangeAt(0).commonAncestorContainer);
  const words = selection.toString().replace(/\s+/g, " ").trim();
  if (!passage || !words) {
    chosen = null;
    button.hidden = true;
    return;
  }
  chosen = { article: passage.dataset.article, clause: passage.dataset.clause, words };
  button.hidden = false;
}

function propose() {
  pressing = false;
  if (!chosen) return;
  const box = document.getElementById(`propose-${chosen.article}`);
  if (!box) return;
  const form = box.querySelector("form");
  const clause = form.elements.namedItem("clause");
  if (clause) clause.value = chosen.clause;
  form.elements.namedItem("quote").value = chosen.words;
  const wording = form.elements.namedItem("wording");
  wording.value = chosen.words;
  box.open = true;
  button.hidden = true;
  chosen = null;
  document.getSelection()?.removeAllRanges();
  box.scrollIntoView({ block: "center" });
  wording.focus();
}

if (button) {
  document.addEventListener("selectionchange", onSelection);
  // Pressing the button must not lose the selection first (a mouse) or forget it (a finger).
  button.addEventListener("pointerdown", (event) => {
    pressing = true;
    event.preventDefault();
  });
  button.addEventListener("click", propose);
  button.dataset.ready = "true";   // listening: a selection from now on shows the button
}
