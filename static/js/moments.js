// The one way a script writes a moment: the same text as the server's `moment` and `day`
// filters (events/moments.py, config/formats/): Vietnamese "14/12/2026 13:59", English
// "14 Dec 2026 13:59", in Hanoi time whatever the phone's zone. Built from the parts of the
// moment rather than from a locale's style, which differs between browsers and languages.

const ZONE = "Asia/Ho_Chi_Minh";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const PARTS = new Intl.DateTimeFormat("en-GB", {
  timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

function pageLanguage() {
  return (document.documentElement.lang || "vi").slice(0, 2);
}

function fields(moment) {
  const out = {};
  for (const part of PARTS.formatToParts(moment)) out[part.type] = part.value;
  return out;
}

// "14/12/2026" or "14 Dec 2026".
export function formatDay(moment, lang = pageLanguage()) {
  const { day, month, year } = fields(moment);
  return lang === "en" ? `${Number(day)} ${MONTHS[Number(month) - 1]} ${year}` : `${day}/${month}/${year}`;
}

// "13:59", in either language.
export function formatTime(moment) {
  const { hour, minute } = fields(moment);
  return `${hour}:${minute}`;
}

// "14/12/2026 13:59" or "14 Dec 2026 13:59".
export function formatMoment(moment, lang = pageLanguage()) {
  return `${formatDay(moment, lang)} ${formatTime(moment)}`;
}
