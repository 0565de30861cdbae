// Book: chapter 8, "React components": numbers as a runner reads them.
// A number and its unit are joined by a no-break space (NBSP): a narrow
// column may wrap "10 h 30 min" after "h", never between "4:59" and "/km".

const NBSP = "\u00a0";

const MONTHS = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
];

/** 21000 (metres) -> "21.0 km" */
export function km(metres) {
  return `${(metres / 1000).toFixed(1)}${NBSP}km`;
}

/** 7260 (seconds) -> "2 h 01 min"; 3000 -> "50 min" */
export function duration(seconds) {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (!hours) return `${minutes}${NBSP}min`;
  return `${hours}${NBSP}h ${String(minutes).padStart(2, "0")}${NBSP}min`;
}

/**
 * Minutes per kilometre, to the second: (3000 s, 10000 m) -> "5:00 /km".
 * The caller says which time: the dashboard passes the moving time, as
 * Strava does, so a stop at a red light does not slow the pace.
 */
export function pace(seconds, metres) {
  if (!(metres > 0)) return "–"; // a run with no distance has no pace
  const perKm = Math.round(seconds / (metres / 1000));
  return `${Math.floor(perKm / 60)}:${String(perKm % 60).padStart(2, "0")}${NBSP}/km`;
}

/** (2026, 11) -> "November 2026" */
export function monthName(year, month) {
  return `${MONTHS[month - 1]} ${year}`;
}

/** "2026-11-20T17:50:10Z" -> "20 Nov" */
export function dayOfMonth(isoDate) {
  const month = Number(isoDate.slice(5, 7));
  return `${Number(isoDate.slice(8, 10))} ${MONTHS[month - 1].slice(0, 3)}`;
}
