// The parts of the live page's poll that only a ranking poll or a quiz needs, loaded by
// event.js when one is shown. Each takes the page's labels and its `element` helper.

// A ranking poll is answered by putting its options in order with a tap: each has a button
// to move it up and one to move it down (no dragging, so a thumb and a keyboard both work).
export function rankingList(poll, labels, element) {
  const box = element("fieldset", "poll-ranking");
  box.append(element("legend", "", labels.poll_rank));
  const list = element("ol", "rank-list");
  const move = (item, step) => {
    const target = step < 0 ? item.previousElementSibling : item.nextElementSibling?.nextElementSibling ?? null;
    if (step < 0 && !target) return;
    if (step > 0 && !item.nextElementSibling) return;
    list.insertBefore(item, target);
    item.querySelector(step < 0 ? "[data-move=up]" : "[data-move=down]").focus();
  };
  for (const option of poll.options) {
    const item = element("li", "rank-item");
    item.dataset.option = option.id;
    const up = element("button", "rank-move", "↑");
    const down = element("button", "rank-move", "↓");
    Object.assign(up, { type: "button" });
    Object.assign(down, { type: "button" });
    up.dataset.move = "up";
    down.dataset.move = "down";
    up.setAttribute("aria-label", labels.poll_up.replace("%(option)s", option.label));
    down.setAttribute("aria-label", labels.poll_down.replace("%(option)s", option.label));
    up.addEventListener("click", () => move(item, -1));
    down.addEventListener("click", () => move(item, 1));
    item.append(element("span", "rank-label", option.label), up, down);
    list.append(item);
  }
  box.append(list);
  return box;
}

// A quiz: the answerer may agree to be named on the leaderboard if they are right.
export function leaderboardChoice(labels, element) {
  const label = element("label", "check");
  const input = element("input");
  Object.assign(input, { type: "checkbox", name: "leaderboard" });
  label.append(input, " ", labels.poll_leaderboard);
  return label;
}

// A quiz the moderator revealed: its right answer, and the first who were right.
export function revealed(poll, labels, element) {
  const right = poll.options.find((option) => option.id === poll.correct);
  const line = element("p", "poll-right", `${labels.poll_right}: `);
  line.append(element("strong", "", right?.label ?? ""));
  if (!poll.leaderboard?.length) return [line];
  const leaders = element("ol", "poll-leaders");
  for (const name of poll.leaderboard) leaders.append(element("li", "", name));
  return [line, element("p", "poll-leaders-title", labels.poll_leaders), leaders];
}
