// Durations and ages as `docker ps` prints them ("3 seconds", "About a minute", "2 weeks"), so
// people who know Docker read bosun's tables without thinking. The thresholds are Docker's
// (go-units HumanDuration).

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** A non-negative duration in milliseconds, in words: "Less than a second", "5 minutes", "3 days". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(Math.max(0, ms) / SECOND);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / MINUTE);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / HOUR);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / HOUR / 24 / 365)} years`;
}

/** How long ago an RFC 3339 time was, relative to `now`: "5 minutes ago". */
export function timeAgo(time: string, now: number): string {
  return `${humanDuration(now - Date.parse(time))} ago`;
}
