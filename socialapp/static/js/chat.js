// Chat pages. Two things htmx cannot do by itself:
// 1. "upsert" swaps: a message (or conversation row) that arrives again, by the HTTP response and by the
//    socket, or after a reconnect, replaces the element with the same id instead of being added twice,
//    and lands in order of its data-seq (ascending, or descending when the list has data-order="desc").
// 2. Times shown in the reader's own time zone, with the exact time on hover.
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

  const sameDay = (a, b) => a.toDateString() === b.toDateString();

  function localizeTimes(root) {
    if (!root.querySelectorAll) return;
    for (const time of root.querySelectorAll("time[data-local-time]")) {
      const at = new Date(time.getAttribute("datetime"));
      if (Number.isNaN(at.getTime())) continue;
      const clock = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      time.textContent = sameDay(at, new Date()) ? clock : `${at.toLocaleDateString()} ${clock}`;
      time.title = at.toLocaleString([], { dateStyle: "full", timeStyle: "long" });
    }
  }

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
    htmx_after_process(elt) {
      localizeTimes(elt);
    },
  });

  localizeTimes(document);
})();
