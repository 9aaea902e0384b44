// On small screens the sidebar folds into a menu button. Without JavaScript the tree stays open.
(function () {
  var button = document.querySelector(".sidebar__toggle");
  var tree = document.getElementById("sidebar-tree");
  if (!button || !tree) return;
  var small = window.matchMedia("(max-width: 60rem)");
  function fold() {
    var folded = small.matches;
    button.hidden = !folded;
    button.setAttribute("aria-expanded", "false");
    tree.classList.toggle("is-folded", folded);
  }
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", String(!open));
    tree.classList.toggle("is-folded", open);
  });
  small.addEventListener("change", fold);
  fold();
})();

// Click-to-load players: the provider's iframe is only created when the reader asks for it.
(function () {
  document.querySelectorAll("[data-click-to-load]").forEach(function (box) {
    var button = box.querySelector("button");
    var template = box.querySelector("template");
    if (!button || !template) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      box.replaceChildren(template.content.cloneNode(true));
      var frame = box.querySelector("iframe");
      if (frame) frame.focus();
    });
  });
})();

// A long sidebar scrolls by itself: bring the current page into it, as GitBook does, so a reader
// deep in the tree sees where they are without scrolling the sidebar first.
(function () {
  var current = document.querySelector('.sidebar [aria-current="page"]');
  var sidebar = current && current.closest(".sidebar");
  if (!sidebar || sidebar.scrollHeight <= sidebar.clientHeight) return;
  var offset = current.getBoundingClientRect().top - sidebar.getBoundingClientRect().top;
  if (offset < 0 || offset > sidebar.clientHeight - current.offsetHeight) {
    sidebar.scrollTop += offset - sidebar.clientHeight / 3;
  }
})();
