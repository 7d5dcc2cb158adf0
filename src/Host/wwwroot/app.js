// Shared by the demo pages: following a stream, showing its state, the reset notice, DOM helpers.
// Event data is untrusted: it reaches the page only through textContent, never as HTML.
"use strict";

const EventActors = (() => {
  /** An element with optional text, class and data-* attributes (text only: nothing is parsed as HTML). */
  function element(tag, { text, className, data } = {}) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    for (const [key, value] of Object.entries(data ?? {})) node.dataset[key] = String(value);
    return node;
  }

  /** JSON.parse, or null when the text is not JSON (a publisher may send anything). */
  function parseJson(text) {
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  /** The sequence number in a single-topic event id ("<epoch>-<sequence>"), or "" when there is none. */
  function sequenceOf(id) {
    const match = /-(\d+)$/.exec(id ?? "");
    return match ? match[1] : "";
  }

  const resetReasons = {
    "history-trimmed": "Older events were removed by retention; continuing with the oldest one kept.",
    "stale-epoch": "The topic was recreated since this page last saw it; continuing with its new history.",
    "malformed-id": "The server could not resume from this page's position; continuing with live events.",
    "ahead-of-head": "The server has not reached this page's position; continuing with live events.",
    "topic-deleted": "The topic was deleted; continuing with its new events.",
  };
  const maxNotices = 5; // a page left open should not grow without bound

  /** Shows the server's eventactors.reset event: the stream could not start exactly where the page was. */
  function showReset(event) {
    const reset = parseJson(event.data) ?? {};
    const notices = document.getElementById("notices");
    if (!notices) return;
    const reason = typeof reset.reason === "string" ? reset.reason : "unknown";
    const text = `${resetReasons[reason] ?? "The stream restarted from another position."} (${reset.topic ?? "topic"}: ${reason})`;
    notices.prepend(element("div", { className: "notice", text, data: { reason, topic: reset.topic ?? "" } }));
    while (notices.children.length > maxNotices) notices.lastElementChild.remove();
  }

  /**
   * Opens an EventSource and shows its state in #status (data-state: connecting, open,
   * reconnecting or closed; data-opens: connections opened so far). After a dropped connection
   * the browser reconnects by itself after the server's retry interval and sends Last-Event-ID,
   * so the server resumes right after the last event this page received.
   * @param {string} url
   * @param {Record<string, (event: MessageEvent) => void>} handlers by event type
   */
  function follow(url, handlers) {
    const status = document.getElementById("status");
    const show = (state, label) => {
      if (!status) return;
      status.dataset.state = state;
      status.textContent = label;
    };
    let opens = 0;
    const source = new EventSource(url);
    show("connecting", "connecting…");
    source.addEventListener("open", () => {
      opens += 1;
      if (status) status.dataset.opens = String(opens);
      show("open", opens > 1 ? "live (reconnected)" : "live");
    });
    source.addEventListener("error", () => {
      // CONNECTING: the browser is retrying by itself. CLOSED: it gave up (an HTTP error).
      if (source.readyState === EventSource.CONNECTING) show("reconnecting", "reconnecting…");
      else show("closed", "disconnected: reload the page");
    });
    source.addEventListener("eventactors.reset", showReset);
    for (const [type, handler] of Object.entries(handlers)) source.addEventListener(type, handler);
    return source;
  }

  /**
   * Remembers event ids, so an event shown once is never shown again. The server already resumes
   * exactly after Last-Event-ID; this keeps the page right even if an event did arrive twice,
   * and counts such arrivals in data-duplicates on the given element (tests assert it stays 0).
   */
  function seenIds(counter) {
    const seen = new Set();
    let duplicates = 0;
    if (counter) counter.dataset.duplicates = "0";
    return (id) => {
      if (!id || !seen.has(id)) {
        if (id) seen.add(id);
        return true;
      }
      duplicates += 1;
      if (counter) counter.dataset.duplicates = String(duplicates);
      return false;
    };
  }

  /** "12:04:31" for an ISO time, or "" when it is not one. */
  function timeOf(text) {
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString();
  }

  return { element, parseJson, sequenceOf, follow, seenIds, timeOf };
})();
