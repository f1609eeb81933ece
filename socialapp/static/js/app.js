// Small behaviours every page shares. Kept out of inline handlers so the Content-Security-Policy
// can forbid inline scripts.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-dismiss='toast']");
  if (button) button.closest(".toast")?.remove();
});

// The server says "ready" once the socket is registered for pushes; parts of the page that show live
// data refetch on `live:ready` (hx-trigger="live:ready from:document"), so nothing is missed.
document.addEventListener("htmx:ws:after:message:incoming", (event) => {
  const data = event.detail?.message?.data;
  if (typeof data === "string" && data.startsWith("{") && JSON.parse(data).ready) {
    document.dispatchEvent(new CustomEvent("live:ready"));
  }
});

// If the page's socket is not ready soon after load (the browser held the connection back, or it was
// closed without a reconnect), open a fresh one by replacing the connecting element.
let liveReady = false;
document.addEventListener("live:ready", () => { liveReady = true; });
function watchLive(delay) {
  setTimeout(() => {
    const live = document.getElementById("live");
    if (!live || liveReady || !window.htmx) return;
    const fresh = live.cloneNode(false);
    fresh.removeAttribute("data-htmx-powered");
    live.replaceWith(fresh);
    htmx.process(fresh);
    watchLive(Math.min(delay * 2, 30000));
  }, delay);
}
document.addEventListener("DOMContentLoaded", () => watchLive(2000));
