// The uWebSockets.js ceiling: bench/bare_server.py's outline on uWS.
//
// Every socket at /ws/events/<slug>/ gets a small snapshot and subscribes to one topic; every
// frame a publisher sends on /publish is published to that topic (uWS writes it to each
// subscriber, skipping one whose backpressure is over the limit). A `vote` command is answered
// with a canned `voted` reply. Run by the bench pinned like the other servers:
//
//     (cd bench/uws && npm ci) && node bench/uws/server.js --port 8200 --ping-interval 20
"use strict";

const uWS = require("uwebsockets");

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

const port = option("--port", 8200);
// uWS pings a socket that has been idle for most of idleTimeout, which is a multiple of 4 s.
const idleTimeout = Math.max(8, Math.ceil((option("--ping-interval", 20) * 2) / 4) * 4);
const PUBLISHED = '{"type":"question.published"';
let seq = 0;

const app = uWS.App();
app.ws("/publish", {
  compression: uWS.DISABLED,
  maxPayloadLength: 16 * 1024 * 1024,
  idleTimeout: 0,
  message: (ws, message) => {
    const text = Buffer.from(message);
    if (text.toString("utf8", 0, PUBLISHED.length) === PUBLISHED) {
      seq += 1;
    }
    app.publish("audience", message, false);
  },
});
app.ws("/ws/events/*", {
  compression: uWS.DISABLED,
  maxPayloadLength: 4096,
  maxBackpressure: 64 * 1024,
  idleTimeout,
  sendPingsAutomatically: true,
  open: (ws) => {
    ws.send(JSON.stringify({ type: "snapshot", seq, questions: [] }), false);
    ws.subscribe("audience");
  },
  message: (ws, message) => {
    let id = null;
    try {
      id = JSON.parse(Buffer.from(message).toString()).id ?? null;
    } catch {
      // a canned reply all the same
    }
    ws.send(JSON.stringify({ type: "voted", reply_to: id, voted: true, votes: 1 }), false);
  },
});
app.listen("127.0.0.1", port, (listening) => {
  if (!listening) {
    console.error(`cannot listen on 127.0.0.1:${port}`);
    process.exit(1);
  }
});
