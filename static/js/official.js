// The official's console: questions routed to me, live; answering on stage and in writing.
import { LiveSocket, showConnection, showPresence } from "./live-socket.js";
import { formatDay } from "./moments.js";

const root = document.getElementById("official");
const labels = JSON.parse(document.getElementById("official-labels").textContent);
const list = document.getElementById("official-list");
const announcer = document.getElementById("announcer");
const questions = new Map();
const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? "");
const say = (text) => { announcer.textContent = text; };

const live = new LiveSocket(root.dataset.socket, {
  onFrame: receive,
  onState: (kind, seconds) => showConnection(document.getElementById("connection"), labels, kind, seconds),
});

function receive(frame) {
  switch (frame.type) {
    case "official.snapshot":
      questions.clear();
      frame.questions.forEach((q) => questions.set(q.id, q));
      return render();
    case "official.question": questions.set(frame.question.id, frame.question); return render();
    case "presence": return showPresence(frame);
    case "official.removed": questions.delete(frame.question_id); return render();
    case "done": (frame.questions || []).forEach((q) => questions.set(q.id, q)); return render();
    case "access.revoked":
    case "signed_out":
      showConnection(document.getElementById("connection"), labels, frame.type === "signed_out" ? "signed_out" : "revoked");
      for (const control of list.querySelectorAll("button, textarea, input")) control.disabled = true;
      return undefined;
    default: return undefined;
  }
}

function order(q) {
  return [q.stage === "now" ? 0 : q.stage === "next" ? 1 : q.status === "answered" ? 3 : 2, q.queue_position, -q.votes, q.id];
}

function compare(a, b) {
  const x = order(a);
  const y = order(b);
  for (let i = 0; i < x.length; i += 1) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

function render() {
  const focused = document.activeElement?.closest?.("[data-id]")?.dataset.id;
  const drafts = {};
  for (const area of list.querySelectorAll("textarea")) drafts[area.closest("[data-id]").dataset.id] = area.value;
  list.replaceChildren(...[...questions.values()].sort(compare).map((q) => card(q, drafts[q.id])));
  document.getElementById("official-empty").hidden = questions.size > 0;
  if (focused) list.querySelector(`[data-id="${focused}"] textarea`)?.focus();
}

function card(q, draft) {
  const item = document.createElement("li");
  item.className = `card card-${q.status}${q.stage ? ` card-${q.stage}` : ""}`;
  item.dataset.id = q.id;
  item.id = `q${q.id}`;   // the lists of written answers due link here
  const head = document.createElement("p");
  head.className = "card-top";
  const parts = [`#${q.id}`, `▲ ${q.votes} ${labels.votes}`];
  if (q.stage === "now") parts.push(labels.on_stage);
  if (q.stage === "next") parts.push(labels.next);
  if (q.due_at) {
    const due = new Date(q.due_at);
    parts.push(fill(due < new Date() ? labels.overdue : labels.due, { date: formatDay(due) }));
  }
  head.textContent = parts.join(" · ");
  const text = document.createElement("p");
  text.className = "card-text";
  text.textContent = q.text;
  const meta = document.createElement("p");
  meta.className = "card-meta";
  meta.textContent = [q.author ?? labels.anonymous, q.topic].filter(Boolean).join(" · ");
  item.append(head, text, meta);

  if (!("standing" in root.dataset) && q.status !== "answered" && q.stage !== "now") {
    const take = document.createElement("button");
    take.type = "button";
    take.className = "button-small";
    take.dataset.action = "answering";
    take.textContent = labels.answering;
    item.append(take);
  }
  if (q.stage === "now") {
    const note = document.createElement("form");
    note.className = "card-edit";
    note.dataset.action = "note";
    const input = document.createElement("input");
    input.type = "text";
    input.maxLength = 300;
    input.value = q.answer?.live_note ?? "";
    input.name = "note";
    const noteLabel = document.createElement("label");
    noteLabel.textContent = labels.note;
    noteLabel.append(input);
    const save = document.createElement("button");
    save.className = "button-small";
    save.textContent = labels.save_note;
    note.append(noteLabel, save);
    item.append(note);
  }
  const written = document.createElement("form");
  written.className = "card-edit";
  written.dataset.action = "answer";
  const label = document.createElement("label");
  label.textContent = labels.answer;
  const area = document.createElement("textarea");
  area.rows = 4;
  area.value = draft ?? q.answer?.body ?? "";
  label.append(area);
  const save = document.createElement("button");
  save.className = "button-small";
  save.value = "save";
  save.textContent = labels.save;
  // Publishing is what the form is for: the primary button; saving a draft is the quiet one.
  const publish = document.createElement("button");
  publish.className = "button button-primary";
  publish.value = "publish";
  publish.textContent = q.answer?.published ? labels.published : labels.publish;
  const buttons = document.createElement("div");
  buttons.className = "card-buttons";
  buttons.append(publish, save);
  written.append(label, buttons);
  item.append(written);
  return item;
}

function run(frame) {
  return live.send(frame)
    .then(() => say(labels.saved))
    .catch((error) => say(fill(labels.failed, { message: error.message })));
}

list.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action=answering]");
  if (button) run({ type: "answering", question: Number(button.closest("[data-id]").dataset.id) });
});

list.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const id = Number(form.closest("[data-id]").dataset.id);
  if (form.dataset.action === "note") {
    run({ type: "note", question: id, note: form.querySelector("input").value });
  } else {
    const publish = event.submitter?.value === "publish";
    run({ type: "answer", question: id, body: form.querySelector("textarea").value, publish });
  }
});

live.connect();
