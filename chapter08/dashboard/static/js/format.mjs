// Book: chapter 8, "React components": numbers as a runner reads them.

const MONTHS = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
];

/** 21000 (metres) -> "21.0 km" */
export function km(metres) {
  return `${(metres / 1000).toFixed(1)} km`;
}

/** 7260 (seconds) -> "2 h 01 min"; 3000 -> "50 min" */
export function duration(seconds) {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (!hours) return `${minutes} min`;
  return `${hours} h ${String(minutes).padStart(2, "0")} min`;
}

/** (2026, 11) -> "November 2026" */
export function monthName(year, month) {
  return `${MONTHS[month - 1]} ${year}`;
}

/** (2026, 11) -> "Nov 2026", for the chart's axis */
export function shortMonth(year, month) {
  return `${MONTHS[month - 1].slice(0, 3)} ${year}`;
}

/** "2026-11-20T17:50:10Z" -> "20 Nov" */
export function dayOfMonth(isoDate) {
  const month = Number(isoDate.slice(5, 7));
  return `${Number(isoDate.slice(8, 10))} ${MONTHS[month - 1].slice(0, 3)}`;
}
