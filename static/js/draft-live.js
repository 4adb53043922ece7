// A draft's page, live (templates/consultation/draft.html): the draft's socket names each
// article whose published comments, supports or responses changed, with a stamp of them; an
// article showing another stamp fetches its comments again over HTTP, as this reader sees them
// (their supports, their forms). The snapshot after each (re)connection does the same for every
// article, so nothing missed while the network was gone stays missed. A reply being written in
// an article's thread is never swept away: that article is fetched again once it is sent or
// emptied.
import { LiveSocket } from "./live-socket.js";

const root = document.getElementById("draft");
const fetching = new Map();   // article id -> the stamp being fetched

function commentsOf(id) {
  return document.getElementById(`comments-${id}`);
}

function busy(box) {
  return [...box.querySelectorAll("textarea")].some((field) => field.value.trim() !== "");
}

async function refresh(id, stamp) {
  const box = commentsOf(id);
  if (!box || box.dataset.stamp === stamp || fetching.get(id) === stamp) return;
  if (busy(box)) {
    box.dataset.stale = stamp;
    return;
  }
  fetching.set(id, stamp);
  try {
    const url = root.dataset.comments.replace("/0/comments/", `/${id}/comments/`);
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) return;
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    const fresh = template.content.firstElementChild;
    const current = commentsOf(id);
    if (!fresh || !current || busy(current)) return;
    current.replaceWith(fresh);
    const count = document.querySelector(`#article-${id} h3 .count`);
    if (count) count.textContent = fresh.dataset.countLabel;
  } finally {
    fetching.delete(id);
  }
}

function receive(frame) {
  if (frame.type === "draft.state") {
    for (const [id, stamp] of Object.entries(frame.articles)) refresh(id, stamp);
  } else if (frame.type === "draft.article") {
    refresh(String(frame.article), frame.stamp);
  }
}

// A thread's reply emptied (or about to be sent): catch up with what it held back.
document.addEventListener("focusout", (event) => {
  const box = event.target.closest?.(".article-comments");
  if (box?.dataset.stale && !busy(box)) {
    const stamp = box.dataset.stale;
    delete box.dataset.stale;
    refresh(box.id.replace("comments-", ""), stamp);
  }
});

if (root?.dataset.socket) {
  const live = new LiveSocket(root.dataset.socket, {
    onFrame: receive,
    onState: (kind) => { root.dataset.connection = kind; },
    quietSeconds: 0,   // a listen-only socket: no ping
  });
  live.connect();
}
