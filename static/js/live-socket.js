// One reconnecting websocket with request/reply commands; shared by the live pages.
// Protocol: docs/protocol.md. Commands carry an `id`; the reply carries it as `reply_to`.

export class LiveSocket {
  constructor(path, { onFrame, onState }) {
    this.path = path;
    this.onFrame = onFrame;
    this.onState = onState;
    this.pending = new Map();   // command id -> {frame, resolve, reject}
    this.counter = 0;
    this.attempts = 0;
    this.socket = null;
  }

  get open() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${this.path}`);
    this.socket = socket;
    this.onState("connecting");
    socket.addEventListener("open", () => {
      this.attempts = 0;
      this.onState("live");
      // Commands that had no reply before the drop are sent again; they are idempotent.
      for (const entry of this.pending.values()) socket.send(JSON.stringify(entry.frame));
    });
    socket.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      // 4001: this account's or session's access ended; 4003: the stage link was renewed.
      // The frame before the close said why; reconnecting would only be refused.
      if (event.code === 4001 || event.code === 4003) this.stopped = true;
      if (this.stopped) return;   // told by the server that this page is no longer valid
      // Exponential backoff with full jitter, so a restarted server is not hit by all at once.
      const ceiling = Math.min(30, 0.5 * 2 ** this.attempts);
      const delay = Math.random() * ceiling + 0.25;
      this.attempts += 1;
      this.onState("reconnecting", Math.ceil(delay));
      setTimeout(() => this.connect(), delay * 1000);
    });
  }

  send(frame) {
    this.counter += 1;
    const full = { ...frame, id: `c${this.counter}` };
    return new Promise((resolve, reject) => {
      this.pending.set(full.id, { frame: full, resolve, reject });
      if (this.open) this.socket.send(JSON.stringify(full));
    });
  }

  receive(frame) {
    const entry = frame.reply_to ? this.pending.get(frame.reply_to) : undefined;
    if (entry) {
      this.pending.delete(frame.reply_to);
      if (frame.type === "error") entry.reject(frame); else entry.resolve(frame);
    }
    this.onFrame(frame, Boolean(entry));
  }
}

export function showConnection(box, labels, state, seconds) {
  box.hidden = false;
  box.dataset.state = state;
  const text = state === "reconnecting"
    ? labels.reconnecting.replace("%(seconds)s", seconds)
    : labels[state];
  box.querySelector(".connection-text").textContent = text;
}
