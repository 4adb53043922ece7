// The live event page: one socket, a snapshot, then deltas. See docs/protocol.md.
// Without this script the page still works through plain forms.
import { LiveSocket, showConnection, showPresence } from "./live-socket.js";
import { formatMoment } from "./moments.js";

const root = document.getElementById("event");
const labels = JSON.parse(document.getElementById("event-labels").textContent);
const list = document.getElementById("question-list");
const template = document.getElementById("question-template");
const connectionBox = document.getElementById("connection");
const state = {
  seq: null,            // last public sequence number applied; null until the first snapshot
  sort: root.dataset.sort,
  voted: new Set(),
  poll: null,                  // the poll shown (open, or the one closed last)
  pollsAnswered: new Set(),
  // An ended dialogue says so on its connection line, not that it is updating live.
  ended: ["ended", "archived"].includes(root.dataset.status),
};

const live = new LiveSocket(root.dataset.socket, {
  onFrame: receive,
  onState: (kind, heardAt) => {
    showConnection(connectionBox, labels, kind === "live" && state.ended ? "ended" : kind, heardAt);
    showOutbox();
  },
});
const send = (frame) => live.send(frame);

// --- Incoming frames -----------------------------------------------------------------------

function receive(frame, isReply) {
  if (isReply && frame.type !== "snapshot" && frame.type !== "backlog") return;
  switch (frame.type) {
    case "snapshot": return applySnapshot(frame);
    case "backlog": return frame.frames.forEach((delta) => receive(delta, false));
    case "question.published": return sequenced(frame, () => upsert(frame.question, true));
    case "question.withdrawn": return sequenced(frame, () => removeQuestion(frame.question_id));
    case "tally": return applyTally(frame.votes);
    case "presence": return showPresence(frame);
    case "own_question.updated": return updateOwn(frame.question);
    case "event.updated": return applyEventState(frame.event);
    case "poll.updated": state.poll = frame.poll; return renderPoll();
    case "poll.results": return applyPollResults(frame.poll_id, frame.results);
    case "banned": return banned();
    case "signed_out": return showConnection(connectionBox, labels, "signed_out");
    default: return undefined;
  }
}

// The server delivers deltas in `seq` order, so a gap is a real loss: ask for what is missing
// ("since" the last applied); the reply is the missed deltas or, failing that, a snapshot.
function sequenced(frame, apply) {
  if (state.seq === null || frame.seq <= state.seq) return;   // already applied
  if (frame.seq > state.seq + 1) { resync(); return; }        // a delta was lost
  state.seq = frame.seq;
  apply();
}

let resyncing = false;
function resync() {
  if (resyncing) return;
  resyncing = true;
  send({ type: "resync", since: state.seq }).catch(() => {}).finally(() => { resyncing = false; });
}

// A full snapshot on connect; a partial one (the public part only) repairs a gap, and this
// visitor's own questions and votes are kept.
function applySnapshot(frame) {
  state.seq = frame.seq;
  noteStatus(frame.event.status);
  if (!frame.partial) state.voted = new Set(frame.voted);
  if (!frame.partial) state.pollsAnswered = new Set(frame.polls_answered ?? []);
  if (!state.ended) { state.poll = frame.poll ?? null; renderPoll(); }
  const seen = new Set();
  for (const question of frame.questions) { upsert(question, false); seen.add(String(question.id)); }
  for (const item of [...list.children]) if (!seen.has(item.dataset.id)) item.remove();
  updateCount();
  const waiting = document.getElementById("waiting-list");
  if (waiting && !frame.partial) { waiting.replaceChildren(); for (const q of frame.mine) updateOwn(q); }
  sortList();
  // A link to one question (an email's "answered live" link): shown once it is drawn.
  if (!frame.partial && /^#q\d+$/.test(location.hash)) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}

function applyTally(votes) {
  for (const [id, count] of Object.entries(votes)) {
    const item = document.getElementById(`q${id}`);
    if (!item) continue;
    item.dataset.votes = count;
    item.querySelector(".vote-count").textContent = count;
  }
  if (state.sort === "popular") sortList();
}

// --- Rendering -----------------------------------------------------------------------------

function upsert(question, announce) {
  let item = document.getElementById(`q${question.id}`);
  const isNew = !item;
  if (isNew) {
    item = template.content.firstElementChild.cloneNode(true);
    item.id = `q${question.id}`;
    item.dataset.id = question.id;
    // getAttribute: the form's input named "action" shadows the form.action property.
    const form = item.querySelector(".vote-form");
    form.setAttribute("action", form.getAttribute("action").replace(/\/0\/vote\/$/, `/${question.id}/vote/`));
    list.append(item);
  }
  item.dataset.votes = question.votes;
  item.dataset.asked = question.asked_at;
  item.dataset.status = question.status;
  item.hidden = state.sort === "answered" && question.status !== "answered";
  item.querySelector(".question-text").textContent = question.text;
  item.querySelector(".question-author").textContent = question.author ?? labels.anonymous;
  const time = item.querySelector("time");
  time.dateTime = question.asked_at;
  time.textContent = formatMoment(new Date(question.asked_at));
  item.querySelector(".vote-count").textContent = question.votes;
  const answered = item.querySelector(".answered");
  if (answered) answered.hidden = question.status !== "answered";
  const now = item.querySelector(".now");
  if (now) now.hidden = question.stage !== "now";
  showVoted(item, state.voted.has(question.id));
  if (isNew && announce) {
    document.getElementById("announcer").textContent = labels.new_question.replace("%(text)s", question.text);
    sortList();
  }
  updateCount();
}

function removeQuestion(id) {
  document.getElementById(`q${id}`)?.remove();
  updateCount();
}

function updateCount() {
  document.getElementById("question-count").textContent = `(${list.children.length})`;
  document.getElementById("no-questions").hidden = list.children.length > 0;
}

function sortList() {
  const items = [...list.children];
  const key = state.sort === "popular"
    ? (a, b) => b.dataset.votes - a.dataset.votes || b.dataset.asked.localeCompare(a.dataset.asked)
    : (a, b) => b.dataset.asked.localeCompare(a.dataset.asked);
  items.sort(key);
  if (items.some((item, index) => item !== list.children[index])) list.append(...items);
  // The answered tab shows answered questions only; the others stay, hidden, for the other tabs.
  for (const item of items) item.hidden = state.sort === "answered" && item.dataset.status !== "answered";
}

function showVoted(item, voted) {
  const button = item.querySelector(".vote-button");
  button.setAttribute("aria-pressed", voted ? "true" : "false");
  button.title = voted ? labels.unvote : labels.vote;
  item.querySelector("input[name=action]").value = voted ? "unvote" : "vote";
}

function updateOwn(question) {
  const waiting = document.getElementById("waiting-list");
  if (!waiting) return;
  const existing = waiting.querySelector(`[data-id="${question.id}"]`);
  existing?.remove();
  if (["pending", "rejected", "merged"].includes(question.status)) {
    const item = document.createElement("li");
    item.dataset.id = question.id;
    const text = document.createElement("span");
    text.className = "question-text";
    text.textContent = question.text;
    const badge = document.createElement("span");
    badge.className = `badge badge-${question.status}`;
    badge.textContent = question.status === "rejected" && question.reason
      ? `${labels.rejected}: ${labels.reasons[question.reason] ?? ""}`
      : labels[question.status];
    item.append(text, " ", badge);
    waiting.append(item);
  }
  document.getElementById("waiting").hidden = waiting.children.length === 0;
}

function noteStatus(status) {
  const ended = ["ended", "archived"].includes(status);
  if (ended !== state.ended && connectionBox.dataset.state === (state.ended ? "ended" : "live")) {
    showConnection(connectionBox, labels, ended ? "ended" : "live");
  }
  state.ended = ended;
}

function applyEventState(event) {
  noteStatus(event.status);
  const askButton = document.querySelector("#ask-form button[type=submit]");
  if (askButton) {
    askButton.dataset.closed = String(!event.intake_open);
    askButton.disabled = !event.intake_open || askButton.form.dataset.tooLong === "true";
  }
  const closed = document.getElementById("intake-closed");
  if (closed) closed.hidden = event.intake_open;
  for (const button of list.querySelectorAll(".vote-button")) button.disabled = !event.voting_open;
  template.content.querySelector(".vote-button").disabled = !event.voting_open;
}

function banned() {
  const form = document.getElementById("ask-form");
  if (form) form.hidden = true;
  for (const button of list.querySelectorAll(".vote-button")) button.disabled = true;
  document.getElementById("announcer").textContent = labels.banned;
  showConnection(connectionBox, labels, "banned");
}

// --- The poll ------------------------------------------------------------------------------

const pollBox = document.getElementById("poll");
const pollBody = document.getElementById("poll-body");

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function applyPollResults(pollId, results) {
  if (!state.poll || state.poll.id !== pollId) return;
  state.poll.results = results;
  renderPoll();
}

// Rebuilt from the state on each change, unless the visitor is choosing an answer right now.
// What only a ranking poll or a quiz needs (./poll-kinds.js) is fetched when one is shown, so
// that the page's first visit does not carry it.
let pollKinds = null;

function renderPoll() {
  const poll = state.poll;
  pollBox.hidden = !poll;
  if (!poll) { pollBody.replaceChildren(); return; }
  if (!pollKinds && (poll.kind === "ranking" || poll.kind === "quiz")) {
    import("./poll-kinds.js").then((module) => { pollKinds = module; renderPoll(); });
    return;
  }
  const answering = poll.status === "open" && !state.pollsAnswered.has(poll.id);
  if (answering && pollBody.querySelector(`form[data-poll="${poll.id}"]`)) return;
  const question = element("p", "poll-question", poll.question);
  if (poll.status === "closed") question.append(" ", element("span", "badge", labels.poll_closed));
  pollBody.replaceChildren(question, answering ? pollForm(poll) : pollResults(poll));
}

function pollForm(poll) {
  const form = element("form", "poll-form");
  form.dataset.poll = poll.id;
  if (poll.kind === "text") {
    const label = element("label", "", labels.poll_text + " ");
    const input = element("input");
    Object.assign(input, { type: "text", name: "text", maxLength: poll.text_max_length, required: true });
    label.append(input);
    form.append(label);
  } else if (poll.kind === "ranking") {
    form.append(pollKinds.rankingList(poll, labels, element));
  } else {
    for (const option of poll.options) {
      const label = element("label", "check");
      const input = element("input");
      Object.assign(input, { type: poll.kind === "multiple" ? "checkbox" : "radio", name: "option", value: option.id });
      label.append(input, " ", option.label);
      form.append(label);
    }
    if (poll.kind === "quiz") form.append(pollKinds.leaderboardChoice(labels, element));
  }
  const error = element("p", "field-error");
  error.hidden = true;
  error.setAttribute("role", "alert");
  form.append(error, element("button", "button", labels.poll_send));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const options = poll.kind === "ranking"
      ? [...form.querySelectorAll("[data-option]")].map((item) => Number(item.dataset.option))
      : [...form.querySelectorAll("input[name=option]:checked")].map((input) => Number(input.value));
    const text = form.querySelector("input[name=text]")?.value ?? "";
    const leaderboard = form.querySelector("input[name=leaderboard]")?.checked ?? false;
    send({ type: "poll_answer", poll: poll.id, options, text, leaderboard })
      .then((reply) => {
        state.pollsAnswered.add(poll.id);
        applyPollResults(reply.poll_id, reply.results);
        renderPoll();
      })
      .catch((frame) => {
        if (frame.code === "already_answered") { state.pollsAnswered.add(poll.id); renderPoll(); return; }
        error.hidden = false;
        error.textContent = frame.message || labels.failed;
      });
  });
  return form;
}

function pollResults(poll) {
  const box = element("div", "poll-results");
  const { total, counts, words } = poll.results;
  box.dataset.total = total;
  if (state.pollsAnswered.has(poll.id)) box.append(element("p", "hint", labels.poll_thanks));
  box.append(element("p", "poll-total", labels.poll_answers.replace("%(count)s", total)));
  const list = element(poll.kind === "text" ? "ol" : "ul", poll.kind === "text" ? "poll-words" : "poll-options");
  if (poll.kind === "text") {
    for (const word of words) {
      const item = element("li");
      item.append(element("span", "poll-word", word.text), " ", element("span", "poll-count", word.count));
      list.append(item);
    }
    if (!words.length) list.append(element("li", "", labels.poll_empty));
  } else {
    // A ranking's points are shown against the most an option could have, highest first.
    const ranked = poll.kind === "ranking";
    const most = ranked ? total * (poll.options.length - 1) : total;
    const shown = ranked
      ? [...poll.options].sort((a, b) => (counts[b.id] ?? 0) - (counts[a.id] ?? 0))
      : poll.options;
    for (const option of shown) {
      const count = counts[option.id] ?? 0;
      const percent = most ? Math.round((100 * count) / most) : 0;
      const item = element("li");
      const bar = element("progress");
      Object.assign(bar, { max: 100, value: percent });
      const figure = ranked ? labels.poll_points.replace("%(count)s", count) : `${count} (${percent}%)`;
      item.append(element("span", "poll-label", option.label), " ", bar, " ",
                  element("span", "poll-count", figure));
      list.append(item);
    }
  }
  box.append(list);
  if (poll.correct) box.append(...pollKinds.revealed(poll, labels, element));
  return box;
}

// --- Forms ---------------------------------------------------------------------------------

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// A question is kept in the page until the server has stored it: typed while offline, it waits
// in the outbox, says so, and goes out on reconnect. Its client id makes the resending safe:
// the server stores it once, and the reply and the broadcast name the same question.
const askForm = document.getElementById("ask-form");
const outbox = document.getElementById("outbox");

function showOutbox() {
  if (!outbox) return;
  for (const item of outbox.children) {
    item.dataset.state = live.open ? "sending" : "queued";
    item.querySelector(".badge").textContent = live.open ? labels.sending : labels.queued;
  }
  outbox.hidden = outbox.children.length === 0;
}

function keep(question) {
  const item = document.createElement("li");
  const text = document.createElement("span");
  text.className = "question-text";
  text.textContent = question;
  const badge = document.createElement("span");
  badge.className = "badge badge-pending";
  item.append(text, " ", badge);
  outbox.append(item);
  showOutbox();
  return item;
}

if (askForm) {
  const text = askForm.querySelector("textarea");
  const error = document.getElementById("ask-error");
  const clientId = askForm.querySelector("input[name=client_id]");
  askForm.addEventListener("submit", (event) => {
    // A plain POST instead: in a standing Q&A, whose answer is a receipt page to keep (its
    // tracking code and due date), and once this page's access ended (the answer says why).
    if (live.stopped || "receipt" in askForm.dataset) return;
    event.preventDefault();
    if (askForm.dataset.tooLong === "true") return;
    const question = text.value;
    const legalField = askForm.querySelector("select[name=legal_field]");
    const frame = { type: "ask", client_id: clientId.value, text: question,
                    anonymous: askForm.querySelector("input[name=anonymous]").checked,
                    ...(legalField ? { legal_field: legalField.value } : {}) };
    const item = keep(question);
    text.value = "";
    text.dispatchEvent(new Event("input"));
    clientId.value = newClientId();
    error.hidden = true;
    send(frame)
      .then((reply) => {
        item.remove();
        showOutbox();
        updateOwn(reply.question);
        error.hidden = false;
        error.classList.add("field-ok");
        error.textContent = reply.question.status === "pending" ? labels.sent_pending : labels.sent_published;
      })
      .catch((reply) => {
        item.remove();
        showOutbox();
        // Nothing was stored: the text goes back into the field, unless another is being typed.
        if (!text.value) { text.value = question; text.dispatchEvent(new Event("input")); }
        error.classList.remove("field-ok");
        error.hidden = false;
        error.textContent = reply.message || labels.failed;
      });
  });
}

list.addEventListener("submit", (event) => {
  const form = event.target.closest(".vote-form");
  if (!form || !live.open) return;
  event.preventDefault();
  const item = form.closest(".question");
  const id = Number(item.dataset.id);
  const voting = !state.voted.has(id);
  showVoted(item, voting);
  send({ type: voting ? "vote" : "unvote", question: id })
    .then((reply) => {
      if (reply.voted) state.voted.add(id); else state.voted.delete(id);
      showVoted(item, reply.voted);
    })
    .catch((frame) => {
      showVoted(item, !voting);
      if (frame.code === "join_required") document.getElementById("join-form")?.scrollIntoView();
      else alert(frame.message || labels.failed);
    });
});

document.querySelector(".sort")?.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-sort]");
  if (!link) return;
  event.preventDefault();
  state.sort = link.dataset.sort;
  for (const other of document.querySelectorAll(".sort a")) other.removeAttribute("aria-current");
  link.setAttribute("aria-current", "true");
  history.replaceState(null, "", `?sort=${state.sort}`);
  sortList();
});

live.connect();
