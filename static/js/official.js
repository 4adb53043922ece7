// The official's console: questions routed to me, live; answering on stage and in writing.
import { LiveSocket, showConnection, showPresence } from "./live-socket.js";
import { formatDay } from "./moments.js";

const root = document.getElementById("official");
const labels = JSON.parse(document.getElementById("official-labels").textContent);
const list = document.getElementById("official-list");
const announcer = document.getElementById("announcer");
const questions = new Map();
// The law suggested for a question (the reply to `law`), kept while its panel is open, and a
// citation refused because its document is no longer in force, waiting for "Cite anyway".
const law = new Map();
const outdated = new Map();
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
  item.append(citationList(q), lawPanel(q));
  return item;
}

function button(text, action, data = {}) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "button-small";
  b.dataset.action = action;
  Object.assign(b.dataset, data);
  b.textContent = text;
  return b;
}

function statusBadge(document_) {
  const badge = document.createElement("span");
  badge.className = `badge badge-${document_.status}`;
  badge.textContent = document_.status_label;
  return badge;
}

function lawWarning(document_) {
  if (!document_.applies) return fill(labels.law_not_in_force, { document: document_.title });
  if (document_.status === "amended") return fill(labels.law_amended, { document: document_.title });
  return "";
}

// The law the answer cites: each citation's words, where they are, and a warning when its
// document is no longer in force (or amended since).
function citationList(q) {
  const box = document.createElement("div");
  box.className = "official-citations";
  const cited = q.answer?.citations ?? [];
  if (!cited.length) return box;
  const head = document.createElement("p");
  head.className = "similar-head";
  head.textContent = labels.cited;
  const items = document.createElement("ul");
  for (const c of cited) {
    const li = document.createElement("li");
    li.dataset.citation = c.id;
    const link = document.createElement("a");
    link.href = c.url;
    link.target = "_blank";
    link.textContent = `${c.label}, ${c.document.title}`;
    li.append(link, " ", statusBadge(c.document));
    const warning = lawWarning(c.document);
    if (warning) {
      const note = document.createElement("p");
      note.className = "notice law-warning";
      note.setAttribute("role", "note");
      note.textContent = warning;
      li.append(note);
    }
    const quote = document.createElement("blockquote");
    quote.textContent = c.quote;
    li.append(quote, button(labels.uncite, "uncite", { citation: c.id }));
    items.append(li);
  }
  box.append(head, items);
  return box;
}

// The articles and clauses most likely to answer the question: one tap cites one.
function lawPanel(q) {
  const panel = document.createElement("div");
  panel.className = "official-law";
  const articles = law.get(q.id);
  if (!articles) {
    panel.append(button(labels.find_law, "law"));
    return panel;
  }
  const head = document.createElement("p");
  head.className = "similar-head";
  head.textContent = articles.length ? labels.law_found : labels.law_none;
  panel.append(head);
  const waiting = outdated.get(q.id);
  if (waiting) {
    const note = document.createElement("p");
    note.className = "notice law-warning";
    note.setAttribute("role", "alert");
    note.textContent = waiting.message;
    panel.append(note, button(labels.cite_anyway, "cite", { article: waiting.article, clause: waiting.clause ?? "", outdated: "1" }));
  }
  const list = document.createElement("ol");
  list.className = "law-suggestions";
  for (const a of articles) {
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = a.url;
    link.target = "_blank";
    link.textContent = `${a.label}. ${a.heading}`;
    const where = document.createElement("span");
    where.className = "similar-meta";
    where.textContent = ` · ${a.document.title} `;
    li.append(link, where, statusBadge(a.document));
    const warning = lawWarning(a.document);
    if (warning) {
      const note = document.createElement("p");
      note.className = "notice law-warning";
      note.textContent = warning;
      li.append(note);
    }
    const clauses = document.createElement("ul");
    for (const c of a.clauses) {
      const item = document.createElement("li");
      const quote = document.createElement("blockquote");
      quote.textContent = c.text;
      item.append(quote, button(fill(labels.cite_clause, { clause: c.label }), "cite", { article: a.id, clause: c.id }));
      clauses.append(item);
    }
    li.append(clauses, button(labels.cite_article, "cite", { article: a.id, clause: "" }));
    list.append(li);
  }
  panel.append(list, button(labels.close_law, "close-law"));
  return panel;
}

function findLaw(id) {
  return live.send({ type: "law", question: id })
    .then((reply) => { law.set(id, reply.articles); render(); say(reply.articles.length ? labels.law_found : labels.law_none); })
    .catch((error) => say(fill(labels.failed, { message: error.message })));
}

// A citation needs an answer to belong to: the draft in the box is saved first.
async function cite(id, data) {
  const q = questions.get(id);
  const body = list.querySelector(`[data-id="${id}"] textarea`)?.value.trim() ?? "";
  try {
    if (body && body !== q.answer?.body) {
      const saved = await live.send({ type: "answer", question: id, body, publish: false });
      (saved.questions || []).forEach((changed) => questions.set(changed.id, changed));
    }
    const frame = { type: "cite", question: id, article: Number(data.article), clause: data.clause ? Number(data.clause) : null };
    if (data.outdated) frame.outdated_ok = true;
    const reply = await live.send(frame);
    outdated.delete(id);
    (reply.questions || []).forEach((changed) => questions.set(changed.id, changed));
    render();
    say(labels.cited_done);
  } catch (error) {
    if (error.code === "not_in_force") {
      outdated.set(id, { article: data.article, clause: data.clause, message: error.message });
      render();
    }
    say(fill(labels.failed, { message: error.message }));
  }
}

function run(frame) {
  return live.send(frame)
    .then(() => say(labels.saved))
    .catch((error) => say(fill(labels.failed, { message: error.message })));
}

list.addEventListener("click", (event) => {
  const pressed = event.target.closest("button[data-action]");
  if (!pressed) return;
  const id = Number(pressed.closest("[data-id]").dataset.id);
  switch (pressed.dataset.action) {
    case "answering": run({ type: "answering", question: id }); break;
    case "law": findLaw(id); break;
    case "close-law": law.delete(id); outdated.delete(id); render(); break;
    case "cite": cite(id, pressed.dataset); break;
    case "uncite": run({ type: "uncite", question: id, citation: Number(pressed.dataset.citation) }); break;
    default: break;
  }
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
