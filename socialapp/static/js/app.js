// Small behaviours every page shares. Kept out of inline handlers so the Content-Security-Policy
// can forbid inline scripts.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-dismiss='toast']");
  if (button) button.closest(".toast")?.remove();
});

// The page's one socket is #live (base.html), opened by htmx's WebSocket extension, which reopens it after
// a drop as its reconnect settings say (htmx-config, base.html). The server says {"ready": true} once the
// socket is registered for pushes, with in `content` the counts that changed since the page was made (the
// extension swaps them in first): that becomes the document event `live:ready`, whose detail is the
// extension's connection (scripts send on connection.socket). Lists that show live data refetch on it
// (hx-trigger="live:ready from:document"), so nothing published before then is missed.
document.addEventListener("htmx:ws:after:message:incoming", (event) => {
  const { connection, message } = event.detail;
  if (typeof message.data === "string" && message.data.startsWith("{") && JSON.parse(message.data).ready) {
    document.dispatchEvent(new CustomEvent("live:ready", { detail: { connection } }));
  }
});

// The socket's URL says what the page's live counts show (?bell=2&badge=0, from their data-count), read as
// each socket opens, the first and every reconnect: the server's "ready" frame then brings, out of band,
// only the counts that changed meanwhile (socialapp/realtime/ready.py), and the page asks for nothing.
const MARKS = { bell: "bell", badge: "chat-badge" }; // query argument -> id of the element showing the count
function withMarks(base) {
  const url = new URL(base);
  for (const [name, id] of Object.entries(MARKS)) {
    const count = document.getElementById(id)?.dataset.count;
    if (count !== undefined) url.searchParams.set(name, count);
    else url.searchParams.delete(name);
  }
  return url.href;
}
document.addEventListener("htmx:ws:before:connection", (event) => {
  const { connection } = event.detail;
  if (Object.getOwnPropertyDescriptor(connection, "url")?.get) return;
  const base = connection.url;
  // A getter, since the extension reads connection.url when it opens each socket, after its reconnect delay.
  Object.defineProperty(connection, "url", { get: () => withMarks(base), configurable: true });
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

// A moderator suspended the account (or an admin deleted it): the server says {"account_ended": true}, then
// closes the page's socket with a code the extension does not reconnect after. Either one reloads the page,
// which shows it as the now logged-out visitor sees it: usually the log-in page.
const ACCOUNT_ENDED = 4001;
document.addEventListener("htmx:ws:after:message:incoming", (event) => {
  const { data } = event.detail.message;
  if (typeof data === "string" && data.startsWith("{") && JSON.parse(data).account_ended) window.location.reload();
});
document.addEventListener("htmx:ws:close", (event) => {
  if (event.detail.code === ACCOUNT_ENDED) window.location.reload();
});

// ---- Feedback on every action -------------------------------------------------------------------------
// A request a person started (a click or a submit) marks its control busy at once: aria-busy (Pico draws a
// spinner) and aria-disabled, with further clicks and submits held back while it runs. aria-disabled rather
// than `disabled`, which would throw the keyboard focus out to <body>.
const ACTIONS = new Set(["click", "submit"]);
const requests = new WeakMap(); // ctx -> {control, form, focused, added, observer}

function isAction(ctx) {
  return ACTIONS.has(ctx.sourceEvent?.type);
}

function controlOf(ctx) {
  const source = ctx.sourceElement;
  if (source.tagName !== "FORM") return source;
  const submitter = ctx.sourceEvent?.submitter;
  return submitter && submitter.form === source ? submitter : source.querySelector("button:not([type=button]), [type=submit]");
}

function setBusy(state, busy) {
  for (const element of [state.control, state.form]) {
    if (!element) continue;
    if (busy) element.setAttribute("aria-busy", "true");
    else element.removeAttribute("aria-busy");
  }
  if (!state.control) return;
  if (busy) state.control.setAttribute("aria-disabled", "true");
  else state.control.removeAttribute("aria-disabled");
}

// Hold back a second click or submit while the first is in flight.
for (const type of ["click", "submit"]) {
  document.addEventListener(
    type,
    (event) => {
      const busy =
        type === "click" ? event.target.closest?.("[aria-disabled='true']") : event.target.matches?.("[aria-busy='true']");
      if (busy) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  );
}

// Pictures go up with XMLHttpRequest, which, unlike fetch, reports upload progress: a <progress> in the form.
const UPLOAD_TIMEOUT = 120000; // ms; the htmx-config timeout is for everything else

function hasFiles(body) {
  return body instanceof FormData && [...body.values()].some((value) => value instanceof File && value.size > 0);
}

function uploadWithProgress(form) {
  return (url, request) =>
    new Promise((resolve, reject) => {
      const progress = document.createElement("progress");
      progress.className = "upload-progress";
      progress.max = 100;
      progress.value = 0;
      progress.setAttribute("aria-label", "Uploading");
      form.append(progress);
      const xhr = new XMLHttpRequest();
      xhr.open(request.method, url);
      for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
      };
      const done = () => progress.remove();
      xhr.onload = () => {
        done();
        const headers = new Headers();
        for (const line of xhr.getAllResponseHeaders().trim().split(/\r?\n/)) {
          const at = line.indexOf(":");
          if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
        }
        const body = [204, 304].includes(xhr.status) ? null : xhr.responseText;
        resolve(new Response(body, { status: xhr.status, statusText: xhr.statusText, headers }));
      };
      xhr.onerror = () => {
        done();
        reject(new TypeError("Network error"));
      };
      request.signal.addEventListener("abort", () => {
        xhr.abort();
        done();
        reject(new DOMException("Aborted", "AbortError"));
      });
      xhr.send(request.body);
    });
}

document.addEventListener("htmx:config:request", (event) => {
  const { ctx } = event.detail;
  if (isAction(ctx) && hasFiles(ctx.request.body)) ctx.request.timeout ??= UPLOAD_TIMEOUT;
});

document.addEventListener("htmx:before:request", (event) => {
  const { ctx } = event.detail;
  if (!isAction(ctx)) return;
  const form = ctx.sourceElement.closest("form");
  const focused = document.activeElement;
  const state = { control: controlOf(ctx), form, focused, formId: focused?.form?.id, added: [] };
  requests.set(ctx, state);
  setBusy(state, true);
  if (form && hasFiles(ctx.request.body)) ctx.fetch = uploadWithProgress(form);
});

// A failure the app did not answer itself (its own errors come as a toast, HX-Retarget: #toasts, and a
// refused form comes back re-rendered with 422) is not swapped in: a toast says so and offers to retry.
function isOwnAnswer(ctx) {
  return Boolean(ctx.hx?.retarget) || ctx.response.status === 422;
}

document.addEventListener("htmx:after:request", (event) => {
  const { ctx } = event.detail;
  if (ctx.response.status < 400 || isOwnAnswer(ctx)) return;
  event.preventDefault();
  if (isAction(ctx)) showFailure(ctx, `The server answered ${ctx.response.status}.`);
});

document.addEventListener("htmx:error", (event) => {
  const { ctx } = event.detail;
  if (!ctx || !isAction(ctx) || !requests.has(ctx)) return;
  const timedOut = ctx.request.signal?.reason === "timeout";
  showFailure(ctx, timedOut ? "The server took too long to answer." : "The server could not be reached.");
});

function showFailure(ctx, reason) {
  const toasts = document.getElementById("toasts");
  const template = document.getElementById("failure-toast");
  if (!toasts || !template) return;
  const toast = template.content.firstElementChild.cloneNode(true);
  toast.querySelector("[data-reason]").textContent = reason;
  toast.querySelector("[data-retry]").addEventListener("click", () => {
    const control = requests.get(ctx)?.control;
    if (control?.isConnected) control.focus();
    toast.remove();
    retry(ctx);
  });
  toasts.append(toast);
}

function retry(ctx) {
  const source = ctx.sourceElement;
  if (source.tagName === "FORM" && source.isConnected) {
    const submitter = ctx.sourceEvent?.submitter;
    source.requestSubmit(submitter?.isConnected && submitter.form === source ? submitter : undefined);
    return;
  }
  const options = { source: source.isConnected ? source : undefined, swap: ctx.swap, event: { type: "click" } };
  if (ctx.target?.isConnected) options.target = ctx.target;
  htmx.ajax(ctx.request.method, ctx.request.action, options);
}

// Focus after a swap: kept on the control (its replacement, found by the form's id), or moved to the new
// content (a new post or comment), or kept in the field being typed in, or, in a form sent back refused,
// moved to its first field in error; never left on <body>.
document.addEventListener("htmx:before:swap", (event) => {
  const state = requests.get(event.detail.ctx);
  if (!state) return;
  state.observer = new MutationObserver((records) => {
    for (const record of records) state.added.push(...[...record.addedNodes].filter((n) => n.nodeType === 1));
  });
  state.observer.observe(document.body, { childList: true, subtree: true });
});

function focusable(element) {
  if (!element.matches("a[href], button, input, textarea, select, summary, [tabindex]")) {
    element.setAttribute("tabindex", "-1");
  }
  element.focus();
  return document.activeElement === element;
}

function newContent(state) {
  for (const node of state.added) {
    if (!node.isConnected || node.closest("form")) continue;
    const article = node.matches("article") ? node : node.querySelector("article");
    if (article) return article;
  }
  return null;
}

function restoreFocus(ctx, state) {
  const { focused } = state;
  if (focused?.isConnected && focused !== document.body) {
    if (document.activeElement === document.body) focused.focus();
    return;
  }
  const typing = focused?.matches?.("input:not([type=submit]), textarea") && focused.id;
  const replacement = typing ? document.getElementById(focused.id) : null;
  if (replacement && focusable(replacement)) return;
  // A form refused and sent back (422): its first field in error, whose message is read with it.
  const refused = state.formId ? document.getElementById(state.formId)?.querySelector("[aria-invalid='true']") : null;
  if (refused && focusable(refused)) return;
  const article = newContent(state);
  if (article && focusable(article)) return;
  const form = state.formId ? document.getElementById(state.formId) : null;
  const control = form?.querySelector("button:not([type=button]), [type=submit]");
  if (control && focusable(control)) return;
  if (focused?.id && document.getElementById(focused.id) && focusable(document.getElementById(focused.id))) return;
  if (ctx.target?.isConnected && ctx.target !== document.body) focusable(ctx.target);
}

document.addEventListener("htmx:finally:request", (event) => {
  const { ctx } = event.detail;
  const state = requests.get(ctx);
  if (!state) return;
  state.observer?.disconnect();
  setBusy(state, false);
  if (document.activeElement === document.body || !document.activeElement?.isConnected) restoreFocus(ctx, state);
  state.added = [];
});

// Counts that change live (the bell, the chat badge) are read out by a polite live region.
const counts = {};
function readCounts() {
  const bell = document.getElementById("bell");
  const badge = document.getElementById("chat-badge");
  return {
    notifications: bell ? Number((bell.getAttribute("aria-label") || "").match(/\d+/)?.[0] || 0) : null,
    messages: badge ? (badge.hidden ? 0 : Number(badge.textContent.match(/\d+/)?.[0] || 0)) : null,
  };
}
function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}
function announceCounts() {
  const region = document.getElementById("live-counts");
  if (!region) return;
  const now = readCounts();
  const said = [];
  if (now.notifications !== null && counts.notifications !== undefined && now.notifications !== counts.notifications) {
    said.push(plural(now.notifications, "unread notification", "unread notifications"));
  }
  if (now.messages !== null && counts.messages !== undefined && now.messages !== counts.messages) {
    said.push(plural(now.messages, "unread chat message", "unread chat messages"));
  }
  Object.assign(counts, now);
  if (said.length) region.textContent = said.join(", ");
}
let countsTimer = null;
document.addEventListener("DOMContentLoaded", () => {
  Object.assign(counts, readCounts());
  new MutationObserver(() => {
    clearTimeout(countsTimer);
    countsTimer = setTimeout(announceCounts, 100);
  }).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ["aria-label", "hidden"] });
});

// ---- Relative times --------------------------------------------------------------------------------------
// The server writes "now", "5 min", "3 h" (socialapp/localtime.py); while a page stays open those grow stale,
// so they are recounted each half minute from their datetime. Older ones name a day and stay as served.
function relativeTime(at, now) {
  const seconds = (now - at) / 1000;
  if (seconds < 60) return "now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
  return null;
}
setInterval(() => {
  const now = Date.now();
  for (const time of document.querySelectorAll("time[data-relative]")) {
    const text = relativeTime(Date.parse(time.dateTime), now);
    if (text && time.textContent !== text) time.textContent = text;
  }
}, 30000);

// Sign-up and log-in forms tell the server the browser's time zone, so that times are shown in it.
for (const input of document.querySelectorAll("input[type=hidden][name=time_zone]")) {
  input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
}

// A "Copy link" button (data-copy names the field it copies) shows only where the clipboard can be written,
// and says so once it has.
for (const button of document.querySelectorAll("button[data-copy]")) {
  if (!navigator.clipboard?.writeText) continue;
  button.hidden = false;
  const label = button.textContent;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(document.getElementById(button.dataset.copy).value);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Press Ctrl+C to copy";
      document.getElementById(button.dataset.copy).select();
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  });
}

// ---- Post cards --------------------------------------------------------------------------------------------
// A short note in #toasts (a polite live region), gone after a few seconds: an action that answered at once.
function sayDone(text) {
  const toasts = document.getElementById("toasts");
  if (!toasts) return;
  const note = document.createElement("div");
  note.className = "toast toast-done";
  note.setAttribute("role", "status");
  note.textContent = text;
  toasts.append(note);
  setTimeout(() => note.remove(), 4000);
}

// "Copy link" is a link to the post; where the clipboard can be written, a click copies its address instead.
document.addEventListener("click", async (event) => {
  const link = event.target.closest?.("a[data-copy-link]");
  if (!link || !navigator.clipboard?.writeText || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  link.closest("details[data-menu]")?.removeAttribute("open");
  try {
    await navigator.clipboard.writeText(link.href);
    sayDone("Link copied");
  } catch {
    sayDone("The link could not be copied; it is the post's address.");
  }
});

// The comment count leads to the comments; on the post's own page it puts the cursor in the comment box.
document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a[data-comment-box]");
  const box = link && document.getElementById(link.dataset.commentBox);
  if (!box || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  box.scrollIntoView({ block: "center" });
  box.focus();
});

// Menus (<details data-menu>): one open at a time, closed by Escape (the focus back on its button), by a click
// outside (Pico's overlay catches it too) or when the focus moves out of them, and saying whether they are open.
document.addEventListener(
  "toggle",
  (event) => {
    const menu = event.target;
    if (!menu.matches?.("details[data-menu]")) return;
    menu.querySelector("summary")?.setAttribute("aria-expanded", String(menu.open));
    if (!menu.open) return;
    for (const other of document.querySelectorAll("details[data-menu][open]")) if (other !== menu) other.open = false;
  },
  true,
);
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const menu = document.activeElement?.closest?.("details[data-menu][open]") || document.querySelector("details[data-menu][open]");
  if (!menu) return;
  menu.open = false;
  menu.querySelector("summary")?.focus();
});
document.addEventListener("focusout", (event) => {
  const menu = event.target.closest?.("details[data-menu][open]");
  if (menu && event.relatedTarget && !menu.contains(event.relatedTarget)) menu.open = false;
});
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details[data-menu][open]")) {
    if (!menu.contains(event.target)) menu.open = false;
  }
});
