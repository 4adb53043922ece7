// The stage screen: shows what the stage socket says, nothing else. No controls.
//
// It runs for hours on the hall's projector, so everything it makes is made once or replaced:
// a frame replaces the children it rendered last time, the listeners are added once at load,
// and at most one timer (the slow scroll below) and one animation frame are pending at a time.
import { LiveSocket, showPresence } from "./live-socket.js";

const root = document.getElementById("stage");
const labels = JSON.parse(document.getElementById("stage-labels").textContent);
const byId = (id) => document.getElementById(id);
let shown = {};   // question id -> vote count element
let poll = null;  // the poll whose results are on stage

// Font sizes in vh, so that the screen looks the same at 1920×1080 and 1280×720. The question
// is set as large as fits between `max` and `min`; the smallest is still readable from the
// back rows of a hall.
const SIZES = {
  question: { max: 7, min: 3 },
  next: { max: 3.8, min: 2.6 },
  url: { max: 3.4, min: 1.4 },
  slideUrl: { max: 5, min: 1.8 },
};

// How many lines an item of what is next may take, and the smallest type (vh) allowed with them.
const NEXT_LINES = [[5, 3.4], [3, SIZES.next.min], [2, SIZES.next.min], [1, SIZES.next.min]];

// Whether the box's content fits inside it at this font size (in px).
function fitsAt(box, size) {
  box.style.fontSize = `${size}px`;
  return box.scrollHeight <= box.clientHeight && box.scrollWidth <= box.clientWidth;
}

// The largest font size (to half a pixel) between max and min at which the box's content fits
// it, found by a binary search: about ten layouts. Leaves the box at that size and returns
// true, or at the minimum size and returns false when even that does not fit.
function fitText(box, { max, min }) {
  const unit = window.innerHeight / 100;
  let low = min * unit;
  let high = max * unit;
  if (fitsAt(box, high)) return true;
  if (!fitsAt(box, low)) return false;
  while (high - low > 0.5) {
    const middle = (low + high) / 2;
    if (fitsAt(box, middle)) low = middle;
    else high = middle;
  }
  fitsAt(box, low);
  return true;
}

// A question too long to fit even at the smallest size is never cut off silently: it shows a
// scroll bar and scrolls by itself, slowly (a line in about three seconds), pausing at the
// start and at the end, then starts again. One interval at most, stopped on every new frame.
const TICK_MS = 50;
const PAUSE_TICKS = 80;   // 4 s
let scroller = null;

function stopScrolling() {
  clearInterval(scroller);
  scroller = null;
}

function scrollSlowly(box) {
  stopScrolling();
  const perTick = parseFloat(getComputedStyle(box).lineHeight) / 3 / (1000 / TICK_MS);
  let position = 0;
  let pause = PAUSE_TICKS;
  box.scrollTop = 0;
  scroller = setInterval(() => {
    if (pause > 0) {
      pause -= 1;
      return;
    }
    const end = box.scrollHeight - box.clientHeight;
    if (position >= end) {   // held at the end: back to the start, and hold there
      position = 0;
      box.scrollTop = 0;
      pause = PAUSE_TICKS;
      return;
    }
    position = Math.min(end, position + perTick);
    box.scrollTop = position;
    if (position >= end) pause = PAUSE_TICKS;
  }, TICK_MS);
}

// Fit what is visible to the screen as it is now.
function fitAll() {
  stopScrolling();
  const live = root.dataset.view === "live";
  if (live) {
    const question = byId("stage-question");
    delete question.dataset.overflow;
    question.scrollTop = 0;
    if (!fitText(question, SIZES.question)) {
      question.dataset.overflow = "scroll";
      scrollSlowly(question);
    }
    // What is next keeps its large type: up to five lines an item while the type stays near
    // its largest, then fewer lines (three, two, one) before the type goes below its smallest.
    const upcoming = byId("stage-next");
    for (const [lines, min] of NEXT_LINES) {
      upcoming.style.setProperty("--lines", lines);
      if (fitText(upcoming, { max: SIZES.next.max, min })) break;
    }
  }
  const slide = root.dataset.view === "join";
  const view = byId(slide ? "stage-join-slide" : "stage-live");
  for (const url of view.querySelectorAll("[data-fit=url]")) {
    delete url.dataset.overflow;
    if (!fitText(url, slide ? SIZES.slideUrl : SIZES.url)) url.dataset.overflow = "wrap";
  }
}

// A resize (or the fonts arriving) refits once, on the next frame, however many events came.
let refit = 0;
function fitSoon() {
  if (!refit) refit = requestAnimationFrame(() => { refit = 0; fitAll(); });
}
window.addEventListener("resize", fitSoon);
document.fonts?.ready.then(fitSoon);

// A short-text poll's word cloud is drawn by the server (dialogue/wordcloud.py): asked again
// when the count changes, at most every two seconds, however fast the answers come.
let cloudShown = "";
let cloudTimer = null;
function refreshCloud() {
  const image = byId("stage-poll-cloud");
  if (!poll || poll.kind !== "text") { image.hidden = true; return; }
  const wanted = `${image.dataset.src.replace(/\/0\/cloud\.svg$/, `/${poll.id}/cloud.svg`)}?n=${poll.results.total}`;
  if (wanted === cloudShown || cloudTimer) return;
  cloudShown = wanted;
  image.src = wanted;
  image.hidden = false;
  cloudTimer = setTimeout(() => { cloudTimer = null; refreshCloud(); }, 2000);
}

// The poll's results replace the question while the moderator shows them: bars and
// percentages for options, the word cloud and its table for short answers.
function renderLeaders() {
  const names = poll?.correct ? poll.leaderboard ?? [] : [];
  byId("stage-poll-leaders").hidden = !names.length;
  byId("stage-poll-leaders-list").replaceChildren(...names.map((name) => {
    const item = document.createElement("li");
    item.textContent = name;
    return item;
  }));
}

function renderPoll() {
  byId("stage-poll").hidden = !poll;
  if (!poll) return;
  renderLeaders();
  const { total, counts, words } = poll.results;
  byId("stage-poll").dataset.total = total;
  byId("stage-poll-question").textContent = poll.question;
  byId("stage-poll-total").textContent = `· ${labels.poll_answers.replace("%(count)s", total)}`;
  byId("stage-poll-options").hidden = poll.kind === "text";
  refreshCloud();
  if (poll.kind === "text") {
    byId("stage-poll-words").replaceChildren(...words.map((word) => {
      const row = document.createElement("tr");
      for (const value of [word.text, String(word.count)]) {
        const cell = document.createElement("td");
        cell.textContent = value;
        row.append(cell);
      }
      return row;
    }));
    return;
  }
  // A ranking's points against the most an option could have (first in every answer),
  // highest first; a choice's share of those who answered, in the poll's order.
  const ranked = poll.kind === "ranking";
  const most = ranked ? total * (poll.options.length - 1) : total;
  const shown = ranked
    ? [...poll.options].sort((a, b) => (counts[b.id] ?? 0) - (counts[a.id] ?? 0))
    : poll.options;
  byId("stage-poll-options").replaceChildren(...shown.map((option) => {
    const count = counts[option.id] ?? 0;
    const percent = most ? Math.round((100 * count) / most) : 0;
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.className = "stage-poll-option";
    label.textContent = option.label;
    const value = document.createElement("span");
    value.className = "stage-poll-percent";
    value.textContent = ranked ? labels.poll_points.replace("%(count)s", count) : `${percent}%`;
    if (poll.correct === option.id) {
      item.classList.add("stage-poll-right");
      label.textContent = `✓ ${option.label}`;
    }
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

function votes(count) {
  return `▲ ${count} ${labels.votes}`;
}

function render(state) {
  const now = state.now;
  poll = state.poll ?? null;
  // The join slide while nothing is being answered; the question while one is; a poll's
  // results in the question's place while the moderator shows them.
  const view = poll ? "poll" : now ? "live" : "join";
  root.dataset.view = view;
  byId("stage-join-slide").hidden = view !== "join";
  byId("stage-live").hidden = view === "join";
  byId("stage-now").hidden = view !== "live";
  renderPoll();
  if (!live.stopped) {
    const ended = state.event && ["ended", "archived"].includes(state.event.status);
    byId("stage-waiting").textContent = ended ? labels.ended : labels.waiting;
  }
  shown = {};
  if (now) {
    byId("stage-question").textContent = now.text;
    const count = document.createElement("span");
    count.className = "stage-votes";
    count.textContent = votes(now.votes);
    shown[now.id] = count;
    byId("stage-asker").replaceChildren(`— ${now.author ?? labels.anonymous}  `, count);
    byId("stage-official").textContent = now.official
      ? [now.official.name, now.official.title].filter(Boolean).join(", ") : "";
    byId("stage-official").hidden = !now.official;
    byId("stage-note").textContent = now.note ?? "";
    byId("stage-note").hidden = !now.note;
  } else {
    byId("stage-question").textContent = "";
    byId("stage-asker").replaceChildren();
  }
  byId("stage-next").closest("section").hidden = !state.next.length;
  byId("stage-next").replaceChildren(...state.next.map((question) => {
    const item = document.createElement("li");
    item.textContent = question.text;
    return item;
  }));
  fitAll();
}

function receive(frame) {
  if (frame.type === "stage.state") render(frame);
  else if (frame.type === "poll.results") {
    if (poll && poll.id === frame.poll_id) { poll.results = frame.results; renderPoll(); }
  } else if (frame.type === "presence") {
    showPresence(frame);
    fitSoon();   // the count's line, shown with the first one, takes room from what is next
  }
  else if (frame.type === "tally") {
    let changed = false;
    for (const [id, count] of Object.entries(frame.votes)) {
      if (shown[id]) {
        shown[id].textContent = votes(count);
        changed = true;
      }
    }
    // A longer count can wrap the asker's line and take room from the question.
    if (changed) fitSoon();
  } else if (frame.type === "stage.revoked") {
    live.stopped = true;
    byId("stage-waiting").textContent = labels.revoked;
    render({ now: null, next: [], poll: null });
  }
}

// No indicator on the hall's screen; the state is kept on the page for support and for tests.
const live = new LiveSocket(root.dataset.socket, {
  onFrame: receive,
  onState: (kind) => { root.dataset.connection = kind; },
  quietSeconds: 0,   // the stage sends no commands, not even a ping
});
fitAll();
live.connect();
