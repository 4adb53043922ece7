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
