// The stage screen: shows what the stage socket says, nothing else. No controls.
import { LiveSocket, showPresence } from "./live-socket.js";

const root = document.getElementById("stage");
const labels = JSON.parse(document.getElementById("stage-labels").textContent);
const byId = (id) => document.getElementById(id);
let shown = {};   // question id -> vote count element
let poll = null;  // the poll whose results are on stage

// The poll's results replace the question while the moderator shows them: bars and
// percentages for options, the most frequent answers (sized by count) for a word cloud.
function renderPoll() {
  byId("stage-poll").hidden = !poll;
  byId("stage-now").hidden = Boolean(poll);
  if (!poll) return;
  const { total, counts, words } = poll.results;
  byId("stage-poll").dataset.total = total;
  byId("stage-poll-question").textContent = poll.question;
  byId("stage-poll-total").textContent = `· ${labels.poll_answers.replace("%(count)s", total)}`;
  byId("stage-poll-options").hidden = poll.kind === "text";
  byId("stage-poll-words").hidden = poll.kind !== "text";
  if (poll.kind === "text") {
    const most = Math.max(1, ...words.map((word) => word.count));
    byId("stage-poll-words").replaceChildren(...words.map((word) => {
      const item = document.createElement("li");
      item.textContent = word.text;
      item.style.fontSize = `${2.4 + 5 * (word.count / most)}vh`;
      item.title = String(word.count);
      return item;
    }));
    return;
  }
  byId("stage-poll-options").replaceChildren(...poll.options.map((option) => {
    const count = counts[option.id] ?? 0;
    const percent = total ? Math.round((100 * count) / total) : 0;
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.className = "stage-poll-option";
    label.textContent = option.label;
    const value = document.createElement("span");
    value.className = "stage-poll-percent";
    value.textContent = `${percent}%`;
    const track = document.createElement("span");
    track.className = "stage-poll-track";
    const bar = document.createElement("span");
    bar.className = "stage-poll-bar";
    bar.style.width = `${percent}%`;
    track.append(bar);
    item.append(label, value, track);
    return item;
  }));
}

function render(state) {
  const now = state.now;
  byId("stage-waiting").hidden = Boolean(now);
  for (const id of ["stage-question", "stage-asker", "stage-official", "stage-note"]) byId(id).hidden = !now;
  shown = {};
  if (now) {
    byId("stage-question").textContent = now.text;
    const votes = document.createElement("span");
    votes.className = "stage-votes";
    votes.textContent = `▲ ${now.votes} ${labels.votes}`;
    shown[now.id] = votes;
    byId("stage-asker").replaceChildren(`— ${now.author ?? labels.anonymous}  `, votes);
    byId("stage-official").textContent = now.official
      ? [now.official.name, now.official.title].filter(Boolean).join(", ") : "";
    byId("stage-official").hidden = !now.official;
    byId("stage-note").textContent = now.note ?? "";
    byId("stage-note").hidden = !now.note;
  }
  byId("stage-next").replaceChildren(...state.next.map((question) => {
    const item = document.createElement("li");
    item.textContent = question.text;
    return item;
  }));
}

function receive(frame) {
  if (frame.type === "stage.state") { render(frame); poll = frame.poll ?? null; renderPoll(); }
  else if (frame.type === "poll.results") {
    if (poll && poll.id === frame.poll_id) { poll.results = frame.results; renderPoll(); }
  }
  else if (frame.type === "presence") showPresence(frame);
  else if (frame.type === "tally") {
    for (const [id, count] of Object.entries(frame.votes)) {
      if (shown[id]) shown[id].textContent = `▲ ${count} ${labels.votes}`;
    }
  } else if (frame.type === "stage.revoked") {
    byId("stage-waiting").textContent = labels.revoked;
    render({ now: null, next: [] });
    live.stopped = true;
  }
}

// No indicator on the hall's screen; the state is kept on the page for support and for tests.
const live = new LiveSocket(root.dataset.socket, {
  onFrame: receive,
  onState: (kind) => { root.dataset.connection = kind; },
});
live.connect();
