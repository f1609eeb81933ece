// Chat pages: "upsert" swaps, which htmx cannot do by itself. A message (or conversation row) that arrives
// again, by the HTTP response and by the socket, or after a reconnect, replaces the element with the same id
// instead of being added twice, and lands in order of its data-seq (ascending, or descending when the list
// has data-order="desc"). Times come from the server in the reader's own zone (socialapp/localtime.py).
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
