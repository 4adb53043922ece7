// The asker's private link ("theo dõi câu hỏi của bạn"): copied on request and remembered by
// this browser, so the event page can offer it again after the session has ended.
const key = (event) => `doithoai.follow.${event}`;

const box = document.getElementById("follow-link");
if (box) {
  try { localStorage.setItem(key(box.dataset.event), box.dataset.url); } catch { /* private mode */ }
  box.querySelector("[data-copy]").addEventListener("click", async () => {
    const input = document.getElementById("follow-url");
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      document.execCommand("copy");
    }
    document.getElementById("follow-status").textContent = box.dataset.copied;
  });
}

// The event page without a server-rendered link: show the one this browser remembers.
const remembered = document.getElementById("follow-remembered");
if (remembered && !box) {
  let url = null;
  try { url = localStorage.getItem(key(remembered.dataset.event)); } catch { /* private mode */ }
  if (url && new URL(url, location.href).origin === location.origin) {
    remembered.querySelector("a").href = url;
    remembered.hidden = false;
  }
}

// The private page updates in place: on the dialogue's socket it follows the link's asker
// (`follow`, docs/protocol.md), and each `own_question.updated` (published, not selected,
// routed with its date due, answered) brings the page's list again from the server, which
// renders it. Each time it follows (after loading, after a reconnect) it brings the list once,
// for what changed while it was not following.
const mine = document.getElementById("mine");
if (mine && mine.dataset.socket && "WebSocket" in window) {
  const { LiveSocket } = await import("./live-socket.js");
  const refresh = async () => {
    const response = await fetch(location.href, { cache: "no-store", credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("mine-questions");
    const shown = document.getElementById("mine-questions");
    if (fresh && shown && fresh.innerHTML !== shown.innerHTML) shown.innerHTML = fresh.innerHTML;
  };
  const live = new LiveSocket(mine.dataset.socket, {
    onFrame: (frame) => {
      if (frame.type === "own_question.updated") refresh();
    },
    onState: (state) => {
      mine.dataset.live = state;
      if (state !== "live") return;
      live.send({ type: "follow", token: mine.dataset.token }).then(
        () => { mine.dataset.following = "yes"; refresh(); },
        () => {
          live.stopped = true;
          live.socket?.close();
          document.getElementById("mine-invalid").hidden = false;
        },
      );
    },
  });
  live.connect();
}
