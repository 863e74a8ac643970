// Keep the dashboard live without wiping what the person is typing. Each mailbox's card polls its
// status; when its version changes (a session started, moved on or finished), the card alone is
// fetched again and each of its parts (data-part) is swapped in, except a part where a field is
// focused or changed: that one is kept as it is, and a note offers to show the news when they want.
(function () {
  const cards = document.querySelectorAll("[data-card-url]");
  const POLL_MS = 5000;

  function changed(field) {
    if (field.type === "hidden" || field.type === "submit" || field.type === "button") return false;
    if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
    if (field.tagName === "SELECT") return Array.from(field.options).some((o) => o.selected !== o.defaultSelected);
    return field.value !== field.defaultValue;
  }

  function busy(part) {
    const fields = part.querySelectorAll("input, textarea, select");
    return Array.from(fields).some((field) => field === document.activeElement || changed(field));
  }

  async function refresh(card, everything) {
    const response = await fetch(card.dataset.cardUrl, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.querySelector("[data-card-url]");
    if (!fresh) return;
    let kept = false;
    for (const part of card.querySelectorAll("[data-part]")) {
      const next = fresh.querySelector(`[data-part="${part.dataset.part}"]`);
      if (!next) continue;
      if (!everything && busy(part)) { kept = true; continue; }
      part.replaceWith(document.importNode(next, true));
    }
    card.dataset.version = fresh.dataset.version;
    card.querySelector("[data-live-note]").hidden = !kept;
  }

  async function poll() {
    for (const card of cards) {
      try {
        const response = await fetch(card.dataset.statusUrl, { headers: { Accept: "application/json" } });
        if (!response.ok) continue;
        const status = await response.json();
        if (status.version !== card.dataset.version) await refresh(card, false);
      } catch (e) { /* offline for a moment: try again next tick */ }
    }
  }

  for (const card of cards) {
    card.addEventListener("click", (event) => {
      if (event.target.closest("[data-live-refresh]")) refresh(card, true);
    });
  }
  if (cards.length) setInterval(poll, POLL_MS);
})();
