// The moderator console: every question live over the moderator socket, actions by button or
// keyboard. Protocol: docs/protocol.md ("The moderator socket").
import { LiveSocket, showConnection, showPresence } from "./live-socket.js";
import { formatMoment } from "./moments.js";

const root = document.getElementById("console");
// A standing Q&A is answered in writing: no stage, no "next" or "now" (moderation/services).
const standing = "standing" in root.dataset;
const labels = JSON.parse(document.getElementById("console-labels").textContent);
const queue = document.getElementById("queue");
const announcer = document.getElementById("announcer");
const modesForm = document.getElementById("modes");
const reasonOptions = document.getElementById("reason-options");

const questions = new Map();   // id -> question as the moderator socket sends it
const selected = new Set();
let officials = [];
let shortcuts = localStorage.getItem("console-shortcuts") !== "off";
const filterForm = document.getElementById("queue-filter");
const filter = { text: "", topic: "", starred: false };

const live = new LiveSocket(root.dataset.socket, {
  onFrame: receive,
  onState: (kind, seconds) => showConnection(document.getElementById("connection"), labels, kind, seconds),
});

const say = (text) => { announcer.textContent = text; };
const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? "").replace("%%", "%");

// --- Frames ----------------------------------------------------------------------------------

function receive(frame) {
  switch (frame.type) {
    case "mod.snapshot": return applySnapshot(frame);
    case "mod.question": return upsert(frame.question);
    case "mod.removed": return remove(frame.question_id);
    case "mod.event": return applyModes(frame.modes);
    case "mod.themes": return showThemes(frame.themes);
    case "done": return (frame.questions || []).forEach(upsert);
    case "tally": return applyTally(frame.votes);
    case "presence": return showPresence(frame);
    case "access.revoked":
    case "signed_out": return endSession(frame.type);
    default: return undefined;
  }
}

function applySnapshot(frame) {
  officials = frame.officials;
  questions.clear();
  for (const list of queue.querySelectorAll(".cards")) list.replaceChildren();
  for (const question of frame.questions) upsert(question, false);
  applyModes(frame.modes);
  if (frame.themes) showThemes(frame.themes);
  updateCounts();
  ensureTabStop();
}

function applyModes(modes) {
  modesForm.moderation.value = modes.moderation;
  modesForm.intake_open.checked = modes.intake_open;
  modesForm.voting_open.checked = modes.voting_open;
}

function applyTally(votes) {
  for (const [id, count] of Object.entries(votes)) {
    const question = questions.get(Number(id));
    if (question) upsert({ ...question, votes: count });
  }
}

function endSession(kind) {
  say(kind === "signed_out" ? labels.signed_out : labels.revoked);
  showConnection(document.getElementById("connection"), labels, kind === "signed_out" ? "signed_out" : "revoked");
  for (const control of queue.querySelectorAll("button, select, input")) control.disabled = true;
}

// --- Rendering -------------------------------------------------------------------------------

function columnOf(question) {
  if (question.status === "pending") return "incoming";
  if (question.status === "answered") return "answered";
  if (question.status === "rejected" || question.status === "merged") return "rejected";
  return question.stage ? "stage" : "approved";
}

function sortKey(question) {
  switch (columnOf(question)) {
    case "incoming": return question.id;                                   // oldest first
    case "approved": return -question.votes * 1e7 - question.id / 1e3;     // most votes first
    case "stage": return (question.stage === "now" ? -1e9 : 0) + question.queue_position;
    default: return -question.id;                                          // newest first
  }
}

function upsert(question, count = true) {
  const previous = questions.get(question.id);
  if (previous && previous.version > question.version) return;   // a stale frame
  questions.set(question.id, question);
  const old = document.getElementById(`m${question.id}`);
  const card = renderCard(question);
  if (old) {
    card.tabIndex = old.tabIndex;
    const hadFocus = document.activeElement === old;
    old.remove();
    place(card, question);
    if (hadFocus && columnOf(question) === columnOf(previous)) card.focus();
  } else {
    place(card, question);
  }
  if (count) updateCounts();
}

function remove(id) {
  questions.delete(id);
  const card = document.getElementById(`m${id}`);
  if (card?.tabIndex === 0) (card.nextElementSibling ?? card.previousElementSibling)?.setAttribute("tabindex", "0");
  card?.remove();
  updateCounts();
}

function place(card, question) {
  const list = queue.querySelector(`[data-column="${columnOf(question)}"] .cards`);
  const key = sortKey(question);
  const after = [...list.children].find((other) => sortKey(questions.get(Number(other.dataset.id))) > key);
  list.insertBefore(card, after ?? null);
}

function updateCounts() {
  const filtering = isFiltering();
  let shown = 0;
  for (const column of queue.querySelectorAll(".column")) {
    const cards = column.querySelector(".cards").children;
    const visible = [...cards].filter((card) => !card.hidden).length;
    shown += visible;
    column.querySelector(".count").textContent = filtering ? `(${visible}/${cards.length})` : `(${cards.length})`;
  }
  document.getElementById("filter-summary").textContent = filtering
    ? fill(labels.filtered, { shown, total: questions.size }) : "";
  updateTopics();
}

// --- Filter (in the page only: every question is already here) ------------------------------

const plain = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();

function isFiltering() {
  return Boolean(filter.text || filter.topic || filter.starred);
}

function matches(question) {
  if (filter.starred && !question.starred) return false;
  if (filter.topic && (question.topic ?? "") !== filter.topic) return false;
  if (!filter.text) return true;
  const wanted = plain(filter.text.trim());
  if (/^#\d+$/.test(wanted)) return `#${question.id}` === wanted;
  const haystack = plain([question.text, question.author ?? "", question.topic ?? "", question.routed_to?.name ?? ""].join(" "));
  return wanted.split(/\s+/).every((word) => haystack.includes(word));
}

function applyFilter() {
  for (const card of queue.querySelectorAll(".card")) {
    card.hidden = !matches(questions.get(Number(card.dataset.id)));
  }
  updateCounts();
  ensureTabStop();
}

// The queue keeps one tab stop, on a card that is shown (the filter or a folded column may hide
// the one that had it).
function ensureTabStop() {
  const current = queue.querySelector(".card[tabindex='0']");
  if (current && current.checkVisibility()) return;
  const first = queue.querySelector(".cards:not([hidden]) .card:not([hidden])");
  if (current) current.tabIndex = -1;
  if (first) first.tabIndex = 0;
}

function updateTopics() {
  const select = document.getElementById("filter-topic");
  const topics = [...new Set([...questions.values()].map((q) => q.topic).filter(Boolean))].sort((a, b) => a.localeCompare(b, document.documentElement.lang || "vi"));
  const current = [...select.options].slice(1).map((option) => option.value);
  if (topics.join("\n") === current.join("\n")) return;
  select.replaceChildren(select.options[0], ...topics.map((topic) => new Option(topic, topic, false, topic === filter.topic)));
}

filterForm.addEventListener("input", () => {
  filter.text = document.getElementById("filter-text").value;
  filter.topic = document.getElementById("filter-topic").value;
  filter.starred = document.getElementById("filter-starred").checked;
  applyFilter();
});
filterForm.addEventListener("submit", (event) => event.preventDefault());
filterForm.addEventListener("reset", () => {
  Object.assign(filter, { text: "", topic: "", starred: false });
  setTimeout(applyFilter);   // after the form has cleared its fields
});

// --- Columns that fold away, remembered in this browser ------------------------------------------

const folded = new Set(JSON.parse(localStorage.getItem("console-folded") || "[]"));

function showFolding() {
  for (const column of queue.querySelectorAll(".column")) {
    const isFolded = folded.has(column.dataset.column);
    column.classList.toggle("folded", isFolded);
    column.querySelector(".column-toggle").setAttribute("aria-expanded", String(!isFolded));
    column.querySelector(".cards").hidden = isFolded;
  }
  ensureTabStop();
}

queue.addEventListener("click", (event) => {
  const toggle = event.target.closest(".column-toggle");
  if (!toggle) return;
  const name = toggle.closest(".column").dataset.column;
  if (folded.has(name)) folded.delete(name); else folded.add(name);
  localStorage.setItem("console-folded", JSON.stringify([...folded]));
  showFolding();
});
showFolding();

// --- The stage link: copied, not shown -------------------------------------------------------

document.getElementById("copy-stage-link")?.addEventListener("click", (event) => {
  const url = event.currentTarget.dataset.url;
  const fallback = () => window.prompt(labels.copy_prompt, url);
  if (!navigator.clipboard) return fallback();
  return navigator.clipboard.writeText(url).then(() => say(labels.copied), fallback);
});

function button(text, action, extra = {}) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "button-small";
  element.textContent = text;
  element.dataset.action = action;
  Object.assign(element.dataset, extra);
  return element;
}

function renderCard(question) {
  const card = document.createElement("li");
  card.className = `card card-${question.status}${question.stage ? ` card-${question.stage}` : ""}`;
  card.id = `m${question.id}`;
  card.dataset.id = question.id;
  card.tabIndex = -1;
  card.hidden = !matches(question);

  const top = document.createElement("div");
  top.className = "card-top";
  const pick = document.createElement("input");
  pick.type = "checkbox";
  pick.className = "pick";
  pick.checked = selected.has(question.id);
  pick.setAttribute("aria-label", `${labels.select} #${question.id}`);
  const id = document.createElement("span");
  id.className = "card-id";
  id.textContent = `#${question.id}`;
  const votes = document.createElement("span");
  votes.className = "card-votes";
  votes.textContent = `▲ ${question.votes} ${labels.votes}`;
  top.append(pick, id, votes);
  if (question.stage) {
    const stage = document.createElement("span");
    stage.className = `badge badge-${question.stage}`;
    stage.textContent = question.stage === "now" ? labels.now : labels.next;
    top.append(stage);
  }
  if (question.starred) {
    const star = document.createElement("span");
    star.className = "card-star";
    star.textContent = "★";
    star.title = labels.star;
    top.append(star);
  }

  const text = document.createElement("p");
  text.className = "card-text";
  text.textContent = question.text;
  const meta = document.createElement("p");
  meta.className = "card-meta";
  const parts = [question.author ?? labels.anonymous, formatMoment(new Date(question.asked_at))];
  if (question.topic) parts.push(question.topic);
  if (question.routed_to) parts.push(`→ ${question.routed_to.name}`);
  meta.textContent = parts.join(" · ");
  card.append(top, text, meta);
  if (question.legal_field) {
    const field = document.createElement("p");
    field.className = "card-meta card-field";
    field.textContent = fill(labels.legal_field, { field: question.legal_field.label });
    card.append(field);
  }

  const notes = document.createElement("ul");
  notes.className = "card-flags";
  for (const flag of question.flags) {
    const item = document.createElement("li");
    item.className = "flag-warning";
    item.textContent = fill(labels.banned_word, { phrase: flag.phrase });
    notes.append(item);
  }
  for (const duplicate of question.duplicates) {
    const item = document.createElement("li");
    item.append(fill(labels.duplicate_of, { id: duplicate.id, score: duplicate.score }), " ");
    item.append(button(`${labels.merge.replace(/this$/, "")} #${duplicate.id}`, "merge", { target: duplicate.id }));
    notes.append(item);
  }
  if (question.original_text) {
    const item = document.createElement("li");
    item.textContent = fill(labels.edited, { text: question.original_text });
    notes.append(item);
  }
  if (question.merged_into) {
    const item = document.createElement("li");
    item.textContent = fill(labels.merged_into, { id: question.merged_into });
    notes.append(item);
  }
  if (question.reason) {
    const item = document.createElement("li");
    const option = [...reasonOptions.content.children].find((o) => o.value === question.reason);
    item.textContent = `${labels.reason_prompt}: ${option ? option.textContent.replace(/^\d+\. /, "") : question.reason}`;
    notes.append(item);
  }
  if (notes.children.length) card.append(notes);

  const actions = document.createElement("div");
  actions.className = "card-actions";
  const status = question.status;
  if (status === "pending" || status === "rejected") actions.append(button(labels.approve, "approve"));
  if (status !== "rejected" && status !== "merged") {
    const reject = document.createElement("select");
    reject.className = "reason";
    reject.setAttribute("aria-label", labels.reason_prompt);
    reject.append(new Option(`${labels.reject}…`, ""), ...reasonOptions.content.cloneNode(true).children);
    reject.dataset.action = "reject";
    actions.append(reject);
  }
  if (!standing && (status === "pending" || status === "approved")) {
    if (question.stage !== "next") actions.append(button(labels.next, "stage", { stage: "next" }));
    if (question.stage !== "now") actions.append(button(labels.now, "stage", { stage: "now" }));
  }
  if (!standing && status === "approved") actions.append(button(labels.answered, "stage", { stage: "answered" }));
  if (!standing && question.stage) actions.append(button(labels.back, "stage", { stage: "none" }));
  if (status !== "merged") {
    actions.append(button(labels.edit, "edit"));
    actions.append(button(question.starred ? labels.unstar : labels.star, "star"));
    const route = document.createElement("select");
    route.className = "route";
    route.dataset.action = "route";
    route.setAttribute("aria-label", labels.route);
    route.append(new Option(`${labels.route}: ${labels.nobody}`, ""));
    for (const official of officials) {
      const option = new Option(`${labels.route}: ${official.name}`, official.id);
      option.selected = question.routed_to?.id === official.id;
      route.append(option);
    }
    if (officials.length) actions.append(route);
    const topic = document.createElement("input");
    topic.type = "text";
    topic.className = "topic";
    topic.placeholder = labels.tag;
    topic.value = question.topic ?? "";
    topic.setAttribute("aria-label", labels.tag);
    topic.dataset.action = "tag";
    actions.append(topic);
  }
  actions.append(button(labels.ban, "ban"));
  card.append(actions);
  return card;
}

// --- Actions ---------------------------------------------------------------------------------

// Actions that move a question out of its column hand the focus on at once, so a moderator
// typing A, A, A works down the queue without waiting for each reply.
const ADVANCING = new Set(["approve", "reject", "stage", "merge"]);

function act(frame, card) {
  if (card && ADVANCING.has(frame.type)) {
    card.dataset.busy = "true";
    const next = [visibleSibling(card, 1), visibleSibling(card, -1)]
      .find((other) => other && !other.dataset.busy);
    if (next && card.contains(document.activeElement)) focusCard(next);
  }
  return live.send(frame)
    .then((reply) => {
      (reply.questions || []).forEach(upsert);
      if (reply.modes) applyModes(reply.modes);
      if (reply.refused?.length) say(fill(labels.refused, { count: reply.refused.length }));
      else say(labels.done);
    })
    .catch((error) => {
      if (error.code === "conflict" && error.question) {
        upsert(error.question);
        say(labels.conflict);
      } else {
        const current = card && document.getElementById(card.id);
        if (current) delete current.dataset.busy;
        say(fill(labels.failed, { message: error.message }));
      }
    });
}

// Actions on one question run one after another, each with the version the previous left,
// so a moderator's own quick actions (approve, then route) never conflict with each other.
const chains = new Map();

function onQuestion(card, frame) {
  const id = Number(card.dataset.id);
  const run = () => {
    const question = questions.get(id);
    const current = document.getElementById(card.id) ?? card;
    return act({ ...frame, question: id, version: question.version }, current);
  };
  const next = (chains.get(id) ?? Promise.resolve()).then(run, run);
  chains.set(id, next);
  return next;
}

function startEdit(card) {
  const question = questions.get(Number(card.dataset.id));
  const text = card.querySelector(".card-text");
  const editor = document.createElement("form");
  editor.className = "card-edit";
  const area = document.createElement("textarea");
  area.value = question.text;
  area.rows = 3;
  area.setAttribute("aria-label", labels.edit);
  editor.append(area, button(labels.save, "save-edit"), button(labels.cancel, "cancel-edit"));
  editor.querySelector("[data-action=save-edit]").type = "submit";
  text.replaceWith(editor);
  area.focus();
  editor.addEventListener("submit", (event) => {
    event.preventDefault();
    onQuestion(card, { type: "edit", text: area.value });
  });
}

queue.addEventListener("click", (event) => {
  const control = event.target.closest("button[data-action]");
  const card = event.target.closest(".card");
  if (!control || !card) return;
  const question = questions.get(Number(card.dataset.id));
  switch (control.dataset.action) {
    case "approve": return onQuestion(card, { type: "approve" });
    case "stage": return onQuestion(card, { type: "stage", stage: control.dataset.stage });
    case "star": return onQuestion(card, { type: "star", starred: !question.starred });
    case "edit": return startEdit(card);
    case "cancel-edit": return upsert({ ...question });
    case "merge": return mergeInto(Number(control.dataset.target), card);
    case "ban":
      if (window.confirm(labels.ban_confirm)) act({ type: "ban", question: question.id }, card);
      return undefined;
    default: return undefined;
  }
});

queue.addEventListener("change", (event) => {
  const card = event.target.closest(".card");
  if (!card) return;
  if (event.target.classList.contains("pick")) {
    const id = Number(card.dataset.id);
    if (event.target.checked) selected.add(id); else selected.delete(id);
    updateBulk();
  } else if (event.target.dataset.action === "reject" && event.target.value) {
    onQuestion(card, { type: "reject", reason: event.target.value });
  } else if (event.target.dataset.action === "route") {
    onQuestion(card, { type: "route", official: event.target.value ? Number(event.target.value) : null });
  } else if (event.target.dataset.action === "tag") {
    onQuestion(card, { type: "tag", topic: event.target.value });
  }
});

function mergeInto(targetId, card) {
  // The incoming duplicate is merged into the question that was there first.
  const target = questions.get(targetId);
  const source = questions.get(Number(card.dataset.id));
  if (!target || !source) return;
  act({ type: "merge", question: target.id, version: target.version,
        sources: [{ question: source.id, version: source.version }] }, card);
}

// --- Themes of the room ------------------------------------------------------------------------

// Each theme: its telling words, its questions, its articles, and merges a moderator confirms.
function showThemes(themes) {
  const list = document.getElementById("themes-list");
  document.getElementById("themes-empty").hidden = themes.length > 0;
  list.replaceChildren(...themes.map((theme) => {
    const item = document.createElement("li");
    item.className = "theme";
    item.dataset.theme = theme.id;
    const head = document.createElement("p");
    head.className = "theme-words";
    head.textContent = theme.words.join(" · ") || fill(labels.theme_of, { id: theme.id });
    const members = document.createElement("p");
    members.className = "card-meta";
    members.append(fill(labels.theme_count, { count: theme.questions.length }), " ");
    theme.questions.forEach((id, i) => {
      const link = document.createElement("a");
      link.href = `#m${id}`;
      link.textContent = `#${id}`;
      members.append(i ? ", " : "", link);
    });
    item.append(head, members);
    if (theme.articles.length) {
      const law = document.createElement("p");
      law.className = "card-meta";
      theme.articles.forEach((article, i) => {
        const link = document.createElement("a");
        link.href = article.url;
        link.target = "_blank";
        link.textContent = article.label;
        law.append(i ? " · " : "§ ", link);
      });
      item.append(law);
    }
    for (const merge of theme.merges) {
      if (!questions.has(merge.target) || !questions.has(merge.source)) continue;
      const suggestion = document.createElement("p");
      suggestion.append(fill(labels.theme_merge, merge), " ");
      suggestion.append(button(labels.merge_confirm_button, "theme-merge", { target: merge.target, source: merge.source }));
      item.append(suggestion);
    }
    return item;
  }));
}

document.getElementById("themes-list").addEventListener("click", (event) => {
  const control = event.target.closest("button[data-action=theme-merge]");
  if (!control) return;
  const target = questions.get(Number(control.dataset.target));
  const source = questions.get(Number(control.dataset.source));
  if (!target || !source) return;
  if (!window.confirm(fill(labels.theme_merge_confirm, { source: source.id, target: target.id }))) return;
  act({ type: "merge", question: target.id, version: target.version,
        sources: [{ question: source.id, version: source.version }] });
});

function updateBulk() {
  const bar = document.getElementById("bulk");
  bar.hidden = selected.size === 0;
  document.getElementById("bulk-count").textContent = fill(labels.count, { count: selected.size });
}

document.getElementById("bulk").addEventListener("click", (event) => {
  const action = event.target.dataset.bulk;
  if (!action) return;
  const items = [...selected].filter((id) => questions.has(id))
    .map((id) => ({ question: id, version: questions.get(id).version }));
  selected.clear();
  updateBulk();
  act({ type: "bulk", action, items, reason: document.getElementById("bulk-reason").value }, null);
});

modesForm.addEventListener("change", (event) => {
  if (event.target.id === "shortcuts-toggle") {
    shortcuts = event.target.checked;
    localStorage.setItem("console-shortcuts", shortcuts ? "on" : "off");
    return;
  }
  act({ type: "modes", moderation: modesForm.moderation.value,
        intake_open: modesForm.intake_open.checked, voting_open: modesForm.voting_open.checked }, null);
});
document.getElementById("shortcuts-toggle").checked = shortcuts;

// --- Keyboard (WCAG 2.1.4: only while the queue has focus, and can be switched off) ----------

// The next card shown (not left out by the filter) after `card`, or before it with step -1.
function visibleSibling(card, step) {
  let other = step > 0 ? card.nextElementSibling : card.previousElementSibling;
  while (other && other.hidden) other = step > 0 ? other.nextElementSibling : other.previousElementSibling;
  return other;
}

function focusCard(card) {
  if (!card) return;
  for (const other of queue.querySelectorAll(".card[tabindex='0']")) other.tabIndex = -1;
  card.tabIndex = 0;
  card.focus();
}

let rejecting = null;   // the card waiting for a reason digit after R

queue.addEventListener("keydown", (event) => {
  const card = event.target.closest?.(".card");
  if (!shortcuts || !card || event.target !== card || event.ctrlKey || event.metaKey || event.altKey) return;
  if (card.dataset.busy && !/^(j|k|h|l|arrow\w+)$/.test(event.key.toLowerCase())) {
    event.preventDefault();
    return;   // its last action is still on the way
  }
  const key = event.key.toLowerCase();
  if (rejecting === card && /^[1-9]$/.test(key)) {
    const option = reasonOptions.content.children[Number(key) - 1];
    rejecting = null;
    if (option) onQuestion(card, { type: "reject", reason: option.value });
    event.preventDefault();
    return;
  }
  rejecting = null;
  const column = card.closest(".column");
  const columns = [...queue.querySelectorAll(".column")];
  const moveColumn = (step) => {
    const index = columns.indexOf(column);
    for (let next = index + step; next >= 0 && next < columns.length; next += step) {
      const first = columns[next].querySelector(".cards:not([hidden]) .card:not([hidden])");
      if (first) return focusCard(first);
    }
    return undefined;
  };
  const question = questions.get(Number(card.dataset.id));
  const handlers = {
    j: () => focusCard(visibleSibling(card, 1)), arrowdown: () => focusCard(visibleSibling(card, 1)),
    k: () => focusCard(visibleSibling(card, -1)), arrowup: () => focusCard(visibleSibling(card, -1)),
    l: () => moveColumn(1), arrowright: () => moveColumn(1),
    h: () => moveColumn(-1), arrowleft: () => moveColumn(-1),
    a: () => onQuestion(card, { type: "approve" }),
    r: () => { rejecting = card; say(`${labels.reject}: 1–${reasonOptions.content.children.length}`); },
    e: () => startEdit(card),
    ...(standing ? {} : {
      n: () => onQuestion(card, { type: "stage", stage: "next" }),
      w: () => onQuestion(card, { type: "stage", stage: "now" }),
      d: () => onQuestion(card, { type: "stage", stage: "answered" }),
    }),
    s: () => onQuestion(card, { type: "star", starred: !question.starred }),
    m: () => question.duplicates[0] && mergeInto(question.duplicates[0].id, card),
    x: () => { const pick = card.querySelector(".pick"); pick.checked = !pick.checked; pick.dispatchEvent(new Event("change", { bubbles: true })); },
  };
  const handler = handlers[key];
  if (handler) {
    event.preventDefault();
    handler();
  }
});

queue.addEventListener("focusin", (event) => {
  const card = event.target.closest(".card");
  if (card && event.target === card) focusCard(card);
});

live.connect();
