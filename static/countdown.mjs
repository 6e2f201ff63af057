// "Old token expires in 6 days 23 hours": keeps the rotation countdown ticking. The server
// renders the same words (domain::rotation::remaining), so the page reads correctly without
// this; tests/fixtures/countdown.json holds the cases both must agree on.

const unit = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;

/** How long `ms` milliseconds are, rounded down, as the pages say it. */
export function remaining(ms) {
  if (ms <= 0) return "0 minutes";
  const total = Math.floor(ms / 60000);
  const days = Math.floor(total / 1440);
  const hours = Math.floor(total / 60) % 24;
  const minutes = total % 60;
  if (days > 0) return hours > 0 ? `${unit(days, "day")} ${unit(hours, "hour")}` : unit(days, "day");
  if (hours > 0) return minutes > 0 ? `${unit(hours, "hour")} ${unit(minutes, "minute")}` : unit(hours, "hour");
  return minutes > 0 ? unit(minutes, "minute") : "less than a minute";
}

if (typeof document !== "undefined") {
  const countdowns = document.querySelectorAll("time[data-countdown]");
  if (countdowns.length > 0) {
    const tick = () => {
      for (const time of countdowns) time.textContent = remaining(Date.parse(time.dateTime) - Date.now());
    };
    setInterval(tick, 15000);
  }
}
