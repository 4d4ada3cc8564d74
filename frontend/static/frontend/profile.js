// The business profile page: a chosen photo shows in the phone preview (cropped to a circle, as
// WhatsApp shows it) before it is uploaded, and text fields count their characters against the limit.
(() => {
  const input = document.querySelector("input[type=file][data-preview-target]");
  const frame = input && document.getElementById(input.dataset.previewTarget);
  if (input && frame) {
    input.addEventListener("change", () => {
      const file = input.files && input.files[0];
      if (!file || !file.type.startsWith("image/")) return;
      let image = frame.querySelector("img");
      if (!image) {
        frame.textContent = "";
        image = document.createElement("img");
        image.alt = "";
        frame.appendChild(image);
      }
      image.src = URL.createObjectURL(file);
      frame.classList.add("is-unsaved");
    });
  }

  document.querySelectorAll("[data-max-length]").forEach((field) => {
    const counter = document.createElement("p");
    counter.className = "help counter";
    counter.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    const limit = Number(field.dataset.maxLength);
    const update = () => {
      const length = [...field.value].length;
      counter.textContent = `${length} / ${limit}`;
      counter.classList.toggle("over", length > limit);
    };
    field.addEventListener("input", update);
    update();
  });
})();
