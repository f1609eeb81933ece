// Small behaviours every page shares. Kept out of inline handlers so the Content-Security-Policy
// can forbid inline scripts.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-dismiss='toast']");
  if (button) button.closest(".toast")?.remove();
});
