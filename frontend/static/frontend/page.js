// Small behaviours of ordinary pages, kept out of the templates: the Content-Security-Policy
// allows no inline script.
(() => {
  // A read-only secret selects itself when focused.
  document.querySelectorAll("input.secret-value[readonly]").forEach((field) => {
    field.addEventListener("focus", () => field.select());
  });

  // <button data-copy-target="id" data-copied="Copied">: copies the field's value.
  document.querySelectorAll("button[data-copy-target]").forEach((button) => {
    button.addEventListener("click", () => {
      const field = document.getElementById(button.dataset.copyTarget);
      if (!field) return;
      field.select();
      const done = () => { button.textContent = button.dataset.copied || button.textContent; };
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done);
      else if (document.execCommand("copy")) done();
    });
  });

  // <div data-refresh-seconds="N">: the page reloads itself after N seconds (live progress).
  const refresh = document.querySelector("[data-refresh-seconds]");
  const seconds = refresh ? Number(refresh.dataset.refreshSeconds) : 0;
  if (seconds > 0) setTimeout(() => window.location.reload(), seconds * 1000);
})();
