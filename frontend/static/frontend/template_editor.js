// The template editor's live preview leaves the example file out of its requests (it is uploaded
// once, on save): it is told the chosen file's name instead, so the checks know one is coming.
document.addEventListener(
  "change",
  (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.name !== "header_file" || !input.form) return;
    const chosen = input.form.elements.namedItem("header_file_name");
    if (chosen instanceof HTMLInputElement) chosen.value = input.files?.[0]?.name ?? "";
  },
  // Capture: before htmx, listening on the form, sends the preview request for this change.
  true,
);
