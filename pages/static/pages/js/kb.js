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

// "Was this page helpful?" answered in place (pages/feedback/views.py). The page is the same for every
// reader, so what this browser did comes from its cookies: kb_feedback lists the pages it answered
// today, csrftoken is Django's token for the POST (fetched once as JSON when there is none yet).
// Without this script the form opens the page's own feedback page, which does the same.
(function () {
  var box = document.querySelector("[data-page-feedback]");
  if (!box || !window.fetch || !window.FormData) return;
  var heading = box.querySelector(".page-feedback__question");
  var ask = box.querySelector(".page-feedback__ask");
  var status = box.querySelector("[data-feedback-status]");
  var commentTemplate = box.querySelector("template[data-feedback-comment]");
  var url = ask.getAttribute("action");
  var pageId = box.getAttribute("data-page-feedback");

  function cookie(name) {
    var found = document.cookie.split("; ").filter(function (pair) {
      return pair.indexOf(name + "=") === 0;
    })[0];
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  function answeredToday() {
    // "20261201.12.45:signature": the day, then the pages answered on it.
    var pages = cookie("kb_feedback").split(":")[0].split(".").slice(1);
    return pages.indexOf(pageId) !== -1;
  }

  function say(message) {
    status.textContent = message;
  }

  function freshToken() {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (body) { return body.csrf_token; });
  }

  function post(data, token) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token },
    });
  }

  function send(data) {
    var known = cookie("csrftoken");
    return (known ? Promise.resolve(known) : freshToken())
      .then(function (token) { return post(data, token); })
      .then(function (response) {
        // A token from an older cookie (a sign-in rotates it): fetch a new one, once.
        if (response.status === 403) {
          return freshToken().then(function (token) { return post(data, token); });
        }
        return response;
      })
      .then(function (response) {
        return response.json().catch(function () {
          return { status: "error", message: "Your answer could not be sent. Please try again later." };
        });
      });
  }

  function thank(message) {
    box.replaceChildren(heading, status);
    say(message);
  }

  function askForComment(answerKey, message) {
    var form = commentTemplate.content.firstElementChild.cloneNode(true);
    form.querySelector('[name="answer"]').value = answerKey;
    var error = form.querySelector(".page-feedback__error");
    ask.replaceWith(form);
    say(message);
    form.querySelector("textarea").focus();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      send(new FormData(form)).then(function (body) {
        button.disabled = false;
        if (body.status === "comment-saved") return thank(body.message);
        error.textContent = body.message;
        error.hidden = false;
      });
    });
  }

  if (answeredToday()) {
    thank("You already told us about this page today. Thank you!");
    return;
  }

  ask.addEventListener("submit", function (event) {
    if (!event.submitter || !event.submitter.value) return; // let the browser open the form page
    event.preventDefault();
    var data = new FormData(ask);
    data.set("helpful", event.submitter.value);
    ask.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    send(data).then(function (body) {
      if (body.status === "ask-comment") return askForComment(body.answer, body.message);
      if (body.status === "recorded" || body.status === "already-answered") return thank(body.message);
      ask.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
      say(body.message);
    });
  });
})();
