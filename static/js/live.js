// Reload the dashboard when a mailbox's latest session changes (started or finished).
(function () {
  const cards = document.querySelectorAll("[data-status-url]");
  async function poll() {
    for (const card of cards) {
      try {
        const response = await fetch(card.dataset.statusUrl, { headers: { Accept: "application/json" } });
        if (!response.ok) continue;
        const status = await response.json();
        const latest = status.latest_session_id ? `${status.latest_session_id}-${status.latest_outcome}` : "";
        if (latest !== card.dataset.latest) { window.location.reload(); return; }
      } catch (e) { /* offline for a moment: try again next tick */ }
    }
  }
  if (cards.length) setInterval(poll, 5000);
})();
