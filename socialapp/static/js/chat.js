// Chat pages. Three things htmx cannot do by itself:
// 1. "upsert" swaps: a message (or conversation row) that arrives again, by the HTTP response and by the
//    socket, or after a reconnect, replaces the element with the same id instead of being added twice,
//    and lands in order of its data-seq (ascending, or descending when the list has data-order="desc").
// 2. Day separators between the messages of different days (each message's data-day, in the reader's zone),
//    kept right however messages arrive: pushed, sent, or a page of history loaded above.
// 3. Enter sends the message box, Shift+Enter starts a new line.
// Times come from the server in the reader's own zone (socialapp/localtime.py).
(() => {
  function insertSorted(list, item) {
    const seq = Number(item.dataset.seq);
    const desc = list.dataset.order === "desc";
    let before = null;
    for (const sibling of list.children) {
      const other = Number(sibling.dataset.seq);
      if (desc ? other < seq : other > seq) {
        before = sibling;
        break;
      }
    }
    list.insertBefore(item, before);
  }

  function separator(message) {
    const item = document.createElement("li");
    item.className = "day-separator";
    item.dataset.day = message.dataset.day;
    item.textContent = message.dataset.dayLabel;
    return item;
  }

  // One separator before the first message of each day, none elsewhere; a second pass changes nothing, so
  // the observer that calls this settles at once.
  function markDays(list) {
    let day = null;
    for (const item of [...list.children]) {
      if (item.matches(".day-separator")) {
        const next = item.nextElementSibling;
        const keep = next?.matches(".message") && next.dataset.day === item.dataset.day && item.dataset.day !== day;
        if (!keep) item.remove();
      } else if (item.matches(".message[data-day]") && item.dataset.day !== day) {
        const before = item.previousElementSibling;
        if (!(before?.matches(".day-separator") && before.dataset.day === item.dataset.day)) {
          list.insertBefore(separator(item), item);
        }
        day = item.dataset.day;
      }
    }
  }

  for (const list of document.querySelectorAll("ol.messages")) {
    markDays(list);
    new MutationObserver(() => markDays(list)).observe(list, { childList: true });
  }

  document.addEventListener("keydown", (event) => {
    const box = event.target.closest?.("textarea[data-enter-sends]");
    if (!box || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    if (box.value.trim()) box.form.requestSubmit();
  });

  htmx.registerExtension("chat", {
    handle_swap(style, target, fragment) {
      if (style !== "upsert") return false;
      const added = [];
      for (const item of [...fragment.children]) {
        const existing = item.id && document.getElementById(item.id);
        if (existing && item.dataset.seq === undefined) {
          existing.replaceWith(item);
        } else {
          if (existing) existing.remove();
          insertSorted(target, item);
        }
        added.push(item);
      }
      return added;
    },
  });
})();
