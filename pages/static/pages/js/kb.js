// On small screens the tree opens as a drawer over the page from the "Menu" button: focus moves into
// it, Escape, "Close" or a tap beside it closes it and gives focus back to the button, and the page
// behind neither scrolls nor takes focus (inert). Without JavaScript the tree stays open in place.
(function () {
  var button = document.querySelector(".sidebar__toggle");
  var tree = document.getElementById("sidebar-tree");
  if (!button || !tree) return;
  var close = tree.querySelector(".sidebar__close");
  var backdrop = document.querySelector(".sidebar__backdrop");
  var small = window.matchMedia("(max-width: 60rem)");
  var behind = [];

  function setBehindInert(inert) {
    behind.forEach(function (element) { element.inert = false; });
    behind = [];
    if (!inert) return;
    // Everything on the page but the drawer and its backdrop (which a tap closes it from): the
    // other children of its ancestors, up to <body>.
    for (var node = tree; node && node !== document.body; node = node.parentElement) {
      Array.prototype.forEach.call(node.parentElement.children, function (sibling) {
        var passive = sibling === backdrop || sibling.tagName === "SCRIPT";
        if (sibling !== node && !sibling.contains(tree) && !passive) {
          sibling.inert = true;
          behind.push(sibling);
        }
      });
    }
  }

  function setOpen(open, returnFocus) {
    button.setAttribute("aria-expanded", String(open));
    tree.classList.toggle("is-open", open);
    if (backdrop) backdrop.hidden = !open;
    document.documentElement.classList.toggle("has-open-drawer", open);
    if (open) {
      tree.setAttribute("role", "dialog");
      tree.setAttribute("aria-modal", "true");
      tree.setAttribute("aria-label", "Pages of the knowledge base");
    } else {
      tree.removeAttribute("role");
      tree.removeAttribute("aria-modal");
      tree.removeAttribute("aria-label");
    }
    setBehindInert(open);
    if (open) {
      var current = tree.querySelector('[aria-current="page"]');
      // Scroll the drawer, not the page (scrollIntoView would move the page behind it too).
      if (current) {
        tree.scrollTop += current.getBoundingClientRect().top - tree.getBoundingClientRect().top - tree.clientHeight / 3;
      }
      (close || tree).focus();
    } else if (returnFocus) {
      button.focus();
    }
  }

  function fit() {
    var drawer = small.matches;
    button.hidden = !drawer;
    if (close) close.hidden = !drawer;
    tree.classList.toggle("sidebar__tree--drawer", drawer);
    setOpen(false, false);
  }

  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true", true);
  });
  if (close) close.addEventListener("click", function () { setOpen(false, true); });
  if (backdrop) backdrop.addEventListener("click", function () { setOpen(false, true); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && tree.classList.contains("is-open")) {
      event.preventDefault();
      setOpen(false, true);
    }
  });
  small.addEventListener("change", fit);
  fit();
})();

// Tables wider than their box: say so above them ("Scroll sideways"). The wrapper keeps its
// tabindex only while there is something to scroll, so a table that fits is no extra tab stop.
(function () {
  var wrappers = document.querySelectorAll(".table-wrapper");
  if (!wrappers.length || !window.ResizeObserver) return;
  var observer = new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var wrapper = entry.target;
      var overflows = wrapper.scrollWidth > wrapper.clientWidth + 1;
      var hint = wrapper.parentElement.querySelector(".table-block__hint");
      wrapper.classList.toggle("is-overflowing", overflows);
      if (hint) hint.hidden = !overflows;
      if (overflows) wrapper.setAttribute("tabindex", "0");
      else wrapper.removeAttribute("tabindex");
    });
  });
  wrappers.forEach(function (wrapper) { observer.observe(wrapper); });
})();

// "On this page": folded above the article on narrow screens (open in the right column on wide
// ones), and the entry of the section being read is marked as it scrolls by.
(function () {
  var box = document.querySelector("[data-toc]");
  if (!box) return;
  var wide = window.matchMedia("(min-width: 75.0625rem)");
  function fit() { box.open = wide.matches; }
  wide.addEventListener("change", fit);
  fit();

  var links = Array.prototype.slice.call(box.querySelectorAll('a[href^="#"]'));
  var sections = links
    .map(function (link) { return document.getElementById(decodeURIComponent(link.hash.slice(1))); })
    .filter(Boolean);
  if (!sections.length) return;

  function markCurrent() {
    // The section being read: the last heading above the top third of the screen; at the very
    // end of the page, the last one on screen (the last headings never reach the top third).
    var line = window.innerHeight / 3;
    var current = sections[0];
    sections.forEach(function (heading) {
      if (heading.getBoundingClientRect().top <= line) current = heading;
    });
    var atEnd = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
    if (atEnd && sections[sections.length - 1].getBoundingClientRect().top < window.innerHeight) {
      current = sections[sections.length - 1];
    }
    links.forEach(function (link) {
      if (decodeURIComponent(link.hash.slice(1)) === current.id) {
        link.setAttribute("aria-current", "true");
      } else {
        link.removeAttribute("aria-current");
      }
    });
  }
  // Read the headings' places once a frame at most while the page scrolls. (An
  // IntersectionObserver misses jumps, such as from the end of the page back to the top, where
  // no heading crosses its line.)
  var queued = false;
  window.addEventListener("scroll", function () {
    if (queued) return;
    queued = true;
    window.requestAnimationFrame(function () {
      queued = false;
      markCurrent();
    });
  }, { passive: true });
  window.addEventListener("resize", markCurrent);
  markCurrent();
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

// Diagrams (pages/blocks/diagram.html): only a page that has one loads the script that draws
// them, which then loads the Mermaid library (3.5 MB), so no other page pays for it.
(function () {
  var diagram = document.querySelector("[data-diagram][data-diagram-renderer]");
  if (!diagram) return;
  var renderer = document.createElement("script");
  renderer.src = diagram.getAttribute("data-diagram-renderer");
  document.head.appendChild(renderer);
})();
