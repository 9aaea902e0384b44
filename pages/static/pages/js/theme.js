// The colour theme the reader chose in the header: light, dark, or the system's (the default).
// Loaded in <head> without defer, so the choice is on <html> (data-theme) before the first paint
// and a dark page never flashes white. kb.css reads data-theme; with no data-theme (the "system"
// choice, or no JavaScript) prefers-color-scheme decides. The toggle is rendered hidden and shown
// here, so a reader without JavaScript never meets buttons that do nothing.
(function () {
  var KEY = "kb-theme";
  var root = document.documentElement;

  function chosen() {
    try {
      var theme = window.localStorage.getItem(KEY);
      return theme === "light" || theme === "dark" ? theme : "system";
    } catch (error) {
      return "system"; // storage refused (a private window, a blocked cookie): follow the system
    }
  }

  function remember(theme) {
    try {
      if (theme === "system") window.localStorage.removeItem(KEY);
      else window.localStorage.setItem(KEY, theme);
    } catch (error) {
      // Not remembered, but still applied to this page.
    }
  }

  function apply(theme) {
    if (theme === "light" || theme === "dark") root.setAttribute("data-theme", theme);
    else root.removeAttribute("data-theme");
    document.querySelectorAll("[data-theme-choice]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-theme-choice") === theme));
    });
    // The browser's own bar (theme-color) matches the chosen scheme, not only the system's.
    document.querySelectorAll("meta[data-theme-color]").forEach(function (meta) {
      var scheme = meta.getAttribute("data-theme-color");
      if (theme === "system") meta.media = "(prefers-color-scheme: " + scheme + ")";
      else meta.media = scheme === theme ? "all" : "not all";
    });
  }

  function wireToggle() {
    var toggle = document.querySelector("[data-theme-toggle]");
    if (!toggle) return;
    toggle.querySelectorAll("[data-theme-choice]").forEach(function (button) {
      button.addEventListener("click", function () {
        var theme = button.getAttribute("data-theme-choice");
        remember(theme);
        apply(theme);
      });
    });
    apply(chosen());
    toggle.hidden = false;
  }

  apply(chosen());
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wireToggle);
  else wireToggle();
  // A choice made in another tab applies here too.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY || event.key === null) apply(chosen());
  });
})();
