// Pictures: the composer's previews and the characters left, and the viewer that opens a post's picture.
// Without this script the forms still work (every description field is there, in a <details>) and a picture
// is a link to its largest file.

// ---- Composer ---------------------------------------------------------------------------------------------
// Each chosen file gets a slot (posts/_picture_fields.html): its preview from an object URL, its description
// field, and a button that takes it out of the file input again. The n-th description goes with the n-th file.
function slotsOf(input) {
  const details = document.getElementById(input.dataset.pictureInput);
  return { details, slots: details ? [...details.querySelectorAll("[data-slot]")] : [] };
}

function say(input, message) {
  const status = input.form?.querySelector("[data-picture-status]");
  if (status) status.textContent = message;
}

function showChosen(input) {
  const { details, slots } = slotsOf(input);
  const files = [...input.files];
  if (details) {
    details.classList.add("enhanced");
    details.open = true;
    details.hidden = files.length === 0;
  }
  slots.forEach((slot, index) => {
    const preview = slot.querySelector(".picture-preview");
    if (preview.src.startsWith("blob:")) URL.revokeObjectURL(preview.src);
    const file = files[index];
    slot.hidden = !file;
    preview.hidden = !file;
    slot.querySelector("[data-remove]").hidden = !file;
    if (file) preview.src = URL.createObjectURL(file);
    else preview.removeAttribute("src");
  });
  if (files.length > slots.length && slots.length) {
    say(input, `You chose ${files.length} pictures; a post can have ${slots.length} more at most. Remove some.`);
  }
}

function removePicture(input, index) {
  const { slots } = slotsOf(input);
  const kept = new DataTransfer();
  [...input.files].forEach((file, i) => i !== index && kept.items.add(file));
  input.files = kept.files;
  // The descriptions below the removed one move up with their pictures.
  const fields = slots.map((slot) => slot.querySelector("textarea"));
  for (let i = index; i < fields.length - 1; i++) fields[i].value = fields[i + 1].value;
  if (fields.length) fields[fields.length - 1].value = "";
  showChosen(input);
  say(input, `Picture ${index + 1} removed. ${input.files.length} left.`);
  const next = slots[Math.min(index, input.files.length - 1)];
  (next && !next.hidden ? next.querySelector("[data-remove]") : input).focus();
}

document.addEventListener("change", (event) => {
  if (event.target.matches?.("input[data-picture-input]")) {
    say(event.target, "");
    showChosen(event.target);
  }
});

document.addEventListener("click", (event) => {
  const button = event.target.closest?.("[data-remove]");
  if (!button) return;
  const input = button.form?.querySelector("input[data-picture-input]");
  const { slots } = input ? slotsOf(input) : { slots: [] };
  const index = slots.indexOf(button.closest("[data-slot]"));
  if (index >= 0) removePicture(input, index);
});

// ---- Characters left ---------------------------------------------------------------------------------------
// Shown under the text as one types; read out (a polite live region) only as the end comes near, once at each
// of these steps, so a screen reader is not interrupted at every key.
const COUNT_STEPS = [100, 50, 20, 10, 0];

function showCount(field) {
  const box = document.getElementById(field.dataset.count);
  if (!box) return;
  const left = Number(box.dataset.limit) - field.value.length;
  box.hidden = false;
  box.classList.toggle("low", left <= COUNT_STEPS[0]);
  const words = left === 1 ? "1 character left" : `${left.toLocaleString("en")} characters left`;
  box.querySelector("[data-count-text]").textContent = words;
  const step = COUNT_STEPS.filter((s) => left <= s).pop();
  const said = box.dataset.said === undefined ? undefined : Number(box.dataset.said);
  if (step !== said) {
    if (step !== undefined && (said === undefined || step < said)) box.querySelector("[data-count-live]").textContent = words;
    if (step === undefined) delete box.dataset.said;
    else box.dataset.said = step;
  }
}

document.addEventListener("input", (event) => {
  if (event.target.matches?.("textarea[data-count]")) showCount(event.target);
});

function setUp(root) {
  for (const field of root.querySelectorAll("textarea[data-count]")) showCount(field);
  // The slots show once pictures are chosen, unless descriptions came back in them (a form sent back).
  for (const input of root.querySelectorAll("input[data-picture-input]")) {
    const { slots } = slotsOf(input);
    if (input.files.length || !slots.some((slot) => slot.querySelector("textarea").value)) showChosen(input);
  }
}
document.addEventListener("DOMContentLoaded", () => setUp(document));
document.addEventListener("htmx:after:process", (event) => setUp(event.target.parentElement || document));

// ---- Viewer ------------------------------------------------------------------------------------------------
// A picture of a post opens in a modal <dialog> over the page, as large as the screen allows, with the
// author's description under it; Previous and Next (and the arrow keys) go through the post's pictures,
// Escape or Close shuts it, and the focus goes back to the picture it was opened from.
let viewer = null;

function buildViewer() {
  const dialog = document.createElement("dialog");
  dialog.className = "picture-viewer";
  dialog.setAttribute("aria-labelledby", "picture-viewer-count");
  dialog.innerHTML = `
    <p class="viewer-count" id="picture-viewer-count"></p>
    <figure><img alt=""><figcaption aria-hidden="true"></figcaption></figure>
    <button type="button" class="viewer-button viewer-prev" data-step="-1"><span aria-hidden="true">&#8592;</span><span class="sr-only">Previous picture</span></button>
    <button type="button" class="viewer-button viewer-next" data-step="1"><span aria-hidden="true">&#8594;</span><span class="sr-only">Next picture</span></button>
    <button type="button" class="viewer-button viewer-close" data-close><span aria-hidden="true">&#10005;</span><span class="sr-only">Close</span></button>`;
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog || event.target.closest("[data-close]")) dialog.close();
    const step = event.target.closest("[data-step]");
    if (step) show(viewer.index + Number(step.dataset.step));
  });
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight") show(viewer.index + 1);
    else if (event.key === "ArrowLeft") show(viewer.index - 1);
    else return;
    event.preventDefault();
  });
  dialog.addEventListener("close", () => {
    if (viewer.opener?.isConnected) viewer.opener.focus();
  });
  document.body.append(dialog);
  return { dialog, links: [], index: 0, opener: null };
}

function show(index) {
  const { dialog, links } = viewer;
  viewer.index = (index + links.length) % links.length;
  const link = links[viewer.index];
  const thumb = link.querySelector("img");
  const image = dialog.querySelector("img");
  const width = Number(thumb.getAttribute("width"));
  const height = Number(thumb.getAttribute("height"));
  // As large as the screen allows, never larger than the picture: the browser picks the file for it.
  const shown = Math.floor(Math.min(width, window.innerWidth, (window.innerHeight - 112) * (width / height)));
  image.removeAttribute("srcset");
  image.src = "";
  image.style.width = `${shown}px`;
  image.style.height = `${Math.round((shown * height) / width)}px`;
  if (thumb.srcset) {
    image.sizes = `${shown}px`;
    image.srcset = thumb.srcset;
  }
  image.src = link.href;
  image.alt = thumb.alt;
  dialog.querySelector("figcaption").textContent = link.hasAttribute("data-described") ? thumb.alt : "";
  dialog.querySelector(".viewer-count").textContent = `Picture ${viewer.index + 1} of ${links.length}`;
  for (const button of dialog.querySelectorAll("[data-step]")) button.hidden = links.length < 2;
}

document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a[data-viewer]");
  if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  viewer ??= buildViewer();
  viewer.links = [...link.closest("[data-pictures]").querySelectorAll("a[data-viewer]")];
  viewer.opener = link;
  show(viewer.links.indexOf(link));
  viewer.dialog.showModal();
  viewer.dialog.querySelector("[data-close]").focus();
});
