// The stage screen: shows what the stage socket says, nothing else. No controls.
import { LiveSocket, showPresence } from "./live-socket.js";

const root = document.getElementById("stage");
const labels = JSON.parse(document.getElementById("stage-labels").textContent);
const byId = (id) => document.getElementById(id);
let shown = {};   // question id -> vote count element

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
  if (frame.type === "stage.state") render(frame);
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
