// One reconnecting websocket with request/reply commands; shared by the live pages.
// Protocol: docs/protocol.md. Commands carry an `id`; the reply carries it as `reply_to`.
//
// The page says "live" only while the socket is open and the server has been heard from
// lately. A browser keeps a socket "open" for a minute or more after the network has gone,
// and does not show scripts the server's websocket heartbeat (a control frame); so after
// `quietSeconds` without any frame the page sends the protocol's `ping` command, and after
// twice that without any frame it counts the socket as lost, closes it and reconnects. The
// browser's own `offline` event counts as lost at once; `online` reconnects at once.
import { formatTime } from "./moments.js";

export class LiveSocket {
  constructor(path, { onFrame, onState, quietSeconds = 10 }) {
    this.path = path;
    this.onFrame = onFrame;
    this.onState = onState;
    this.quietSeconds = quietSeconds;   // 0: no ping (the stage screen takes no commands)
    this.pending = new Map();   // command id -> {frame, resolve, reject}
    this.counter = 0;
    this.attempts = 0;
    this.socket = null;
    this.stopped = false;
    this.heardAt = null;        // when the server was last heard from (a Date)
    this.quietSince = 0;        // since when this socket has been silent (ms)
    this.wasOpen = false;       // whether the page has been live once: then a drop is "lost"
    this.retry = null;
    this.watchdog = null;
    window.addEventListener("offline", () => this.lost());
    window.addEventListener("online", () => { if (!this.socket && !this.stopped) this.reconnectNow(); });
  }

  get open() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  // What the page shows while not live: "connecting" before the first open, then
  // "reconnecting" (connection lost, retrying) until it is open again.
  get downState() {
    return this.wasOpen ? "reconnecting" : "connecting";
  }

  connect() {
    clearTimeout(this.retry);
    this.retry = null;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${this.path}`);
    this.socket = socket;
    this.onState(this.downState, this.heardAt);
    // "live" once the server has spoken on the open socket (its snapshot comes first), not
    // when the browser says the socket is open: a proxy or a dying link can open and carry nothing.
    let spoken = false;
    socket.addEventListener("open", () => {
      if (this.socket !== socket) return;
      this.quietSince = Date.now();
      this.watch(socket);
      // Commands that had no reply before the drop are sent again; they are idempotent.
      for (const entry of this.pending.values()) socket.send(JSON.stringify(entry.frame));
    });
    socket.addEventListener("message", (event) => {
      if (this.socket !== socket) return;
      const frame = JSON.parse(event.data);
      this.heardAt = new Date();
      this.quietSince = Date.now();
      if (!spoken && frame.type !== "error") {   // e.g. too_many_sockets, then a close
        spoken = true;
        this.attempts = 0;
        this.wasOpen = true;
        this.onState("live");
      }
      this.receive(frame);
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      // 4001: this account's or session's access ended; 4003: the stage link was renewed.
      // The frame before the close said why; reconnecting would only be refused.
      if (event.code === 4001 || event.code === 4003) this.stopped = true;
      this.dropped();
    });
  }

  // Ping after a quiet spell; count the socket lost after twice as long without a frame.
  watch(socket) {
    clearInterval(this.watchdog);
    if (!this.quietSeconds) return;
    let pinged = 0;
    this.watchdog = setInterval(() => {
      if (this.socket !== socket || socket.readyState !== WebSocket.OPEN) return;
      const quiet = (Date.now() - this.quietSince) / 1000;
      if (quiet >= 2 * this.quietSeconds) this.lost();
      else if (quiet >= this.quietSeconds && Date.now() - pinged >= this.quietSeconds * 1000) {
        pinged = Date.now();
        this.counter += 1;
        socket.send(JSON.stringify({ type: "ping", id: `p${this.counter}` }));
      }
    }, 1000);
  }

  // The network is gone, or the server silent: stop using this socket and try again.
  lost() {
    const socket = this.socket;
    if (!socket || this.stopped) return;
    this.dropped();
    socket.close();
  }

  dropped() {
    clearInterval(this.watchdog);
    this.socket = null;
    if (this.stopped) return;   // told by the server that this page is no longer valid
    this.onState(this.downState, this.heardAt);
    // While the browser knows it is offline, wait for its `online` event instead.
    if (navigator.onLine === false) return;
    // Exponential backoff with full jitter, so a restarted server is not hit by all at once.
    const ceiling = Math.min(30, 0.5 * 2 ** this.attempts);
    const delay = Math.random() * ceiling + 0.25;
    this.attempts += 1;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.connect(), delay * 1000);
  }

  reconnectNow() {
    this.attempts = 0;
    this.connect();
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

// `{"type": "presence", "connected": N}`: how many are following the dialogue now.
export function showPresence(frame) {
  for (const box of document.querySelectorAll("[data-presence]")) {
    box.querySelector(".presence-count").textContent = frame.connected.toLocaleString(document.documentElement.lang || "vi");
    box.hidden = false;
  }
}

// The connection line. "reconnecting" says when the page was last brought up to date.
export function showConnection(box, labels, state, heardAt) {
  box.hidden = false;
  box.dataset.state = state;
  let text = labels[state];
  if (state === "reconnecting" && heardAt) text = labels.reconnecting_since.replace("%(time)s", formatTime(heardAt));
  box.querySelector(".connection-text").textContent = text;
}
