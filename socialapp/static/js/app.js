// Small behaviours every page shares. Kept out of inline handlers so the Content-Security-Policy
// can forbid inline scripts.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-dismiss='toast']");
  if (button) button.closest(".toast")?.remove();
});

// The page's one socket is #live (base.html), opened by htmx's WebSocket extension, which reopens it after
// a drop as its reconnect settings say (htmx-config, base.html). The server says {"ready": true} once the
// socket is registered for pushes: that becomes the document event `live:ready`, whose detail is the
// extension's connection (scripts send on connection.socket). Parts of the page that show live data
// refetch on it (hx-trigger="live:ready from:document"), so nothing published before then is missed.
document.addEventListener("htmx:ws:after:message:incoming", (event) => {
  const { connection, message } = event.detail;
  if (typeof message.data === "string" && message.data.startsWith("{") && JSON.parse(message.data).ready) {
    document.dispatchEvent(new CustomEvent("live:ready", { detail: { connection } }));
  }
});

// The extension reconnects only after a socket has closed, and gives none a time limit: a handshake the
// browser holds back, or a socket that opens but is never registered, would leave the page without pushes
// for good. So a socket found not ready at two looks READY_WITHIN apart is closed, and the extension
// reconnects as after any drop. Under load "ready" can take a few seconds, hence the generous wait.
const READY_WITHIN = 5000; // ms
let watchdog = null;
document.addEventListener("htmx:ws:before:connection", (event) => {
  const { connection } = event.detail;
  let unready = null;
  clearInterval(watchdog);
  watchdog = setInterval(() => {
    const socket = connection.socket;
    if (socket && socket === unready && socket.readyState !== WebSocket.CLOSED) socket.close();
    unready = socket;
  }, READY_WITHIN);
});
document.addEventListener("live:ready", () => clearInterval(watchdog));
