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
