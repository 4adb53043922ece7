// A text field's counter (templates/events/_counter.html): characters used of the limit, a
// warning from 90 % of it, and beyond it an error that says by how much, with the form's send
// button disabled. Nothing is cut: the field has no `maxlength`, which would silently drop the
// end of a paste; the server refuses a text over the limit too, with its own message.

const NEAR = 0.9;

export function watchLength(counter) {
  const field = document.getElementById(counter.dataset.counterFor);
  const form = field.form;
  const button = form?.querySelector("button[type=submit], button:not([type])");
  const max = Number(counter.dataset.max);
  const used = counter.querySelector(".counter-used");
  const note = counter.querySelector(".counter-note");
  const update = () => {
    const length = [...field.value].length;   // characters, as the server counts them
    const over = length - max;
    const level = over > 0 ? "over" : length >= NEAR * max ? "near" : "";
    used.textContent = length;
    counter.dataset.level = level;
    note.textContent = level === "over" ? counter.dataset.over.replace("{n}", over)
      : level === "near" ? counter.dataset.near.replace("{n}", max - length) : "";
    field.setAttribute("aria-invalid", String(level === "over"));
    field.setCustomValidity(level === "over" ? note.textContent : "");
    if (form) form.dataset.tooLong = String(level === "over");
    if (button) button.disabled = level === "over" || button.dataset.closed === "true";
  };
  field.addEventListener("input", update);
  update();
}

for (const counter of document.querySelectorAll("[data-counter-for]")) watchLength(counter);
