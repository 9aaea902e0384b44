// Instant search (pages/reading/search_api.py): the header's search box shows the best few results
// while the reader types. "/" (outside a field) or Ctrl/⌘+K goes to the box; ↑ and ↓ move through
// the results, Enter opens one (or the full /search/ page when none is chosen), Escape closes.
// It follows the ARIA combobox pattern: the box is the combobox, the results a listbox of options.
// Without this script the box is a plain form that opens /search/.
(function () {
  var form = document.querySelector("[data-instant-search]");
  var input = form && form.querySelector('input[name="q"]');
  if (!form || !input || !window.fetch || !window.AbortController || !window.DOMParser) return;

  var suggestUrl = form.getAttribute("data-suggest-url");
  var clickedUrl = form.getAttribute("data-clicked-url");
  var DELAY = 120; // milliseconds of quiet before asking, while the reader types
  var SHORTEST = 2; // characters typed before asking

  var panel = document.createElement("div");
  panel.className = "instant-search";
  panel.hidden = true;
  var hint = document.createElement("p");
  hint.className = "instant-search__hint";
  hint.textContent = "Type to search. ↑ ↓ to choose, Enter to open, Esc to close.";
  var list = document.createElement("ul");
  list.id = "instant-search-results";
  list.className = "instant-search__results";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Search results");
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  panel.append(hint, list);
  form.append(panel, status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-keyshortcuts", "/ Control+K Meta+K");
  input.setAttribute("autocomplete", "off");

  var options = []; // {element, url, query, kind: "result" | "suggestion" | "more"}
  var active = -1;
  var timer = null;
  var request = null; // the AbortController of the fetch under way
  var answers = new Map(); // query -> answer, for this page's life (backspacing asks nothing)

  function typed() {
    return input.value.split(/\s+/).filter(Boolean).join(" ");
  }

  function open() {
    panel.hidden = false;
    input.setAttribute("aria-expanded", String(options.length > 0));
  }

  function close() {
    panel.hidden = true;
    input.setAttribute("aria-expanded", "false");
    setActive(-1);
  }

  function setActive(index) {
    if (options[active]) options[active].element.setAttribute("aria-selected", "false");
    active = index;
    var option = options[active];
    if (option) {
      option.element.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", option.element.id);
      option.element.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  // The engine's snippet is escaped text with <mark> around the words found: copied as text and
  // marks only, so nothing else in it could ever become markup.
  function snippetNodes(html) {
    var body = new DOMParser().parseFromString(html || "", "text/html").body;
    return Array.prototype.map.call(body.childNodes, function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        return mark;
      }
      return document.createTextNode(node.textContent);
    });
  }

  function span(className, text) {
    var element = document.createElement("span");
    element.className = className;
    if (text) element.textContent = text;
    return element;
  }

  function addOption(kind, content, url, query) {
    var item = document.createElement("li");
    item.id = "instant-search-option-" + options.length;
    item.className = "instant-search__option instant-search__option--" + kind;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", "false");
    item.append.apply(item, content);
    list.append(item);
    options.push({ element: item, url: url, query: query, kind: kind });
  }

  function show(answer) {
    list.replaceChildren();
    options = [];
    active = -1;
    input.removeAttribute("aria-activedescendant");
    answer.results.forEach(function (result) {
      var title = span("instant-search__title", result.title);
      var parts = [title];
      if (result.in_development) {
        title.append(span("badge badge--development", "In development"));
      }
      if (result.place) parts.push(span("instant-search__place", result.place));
      if (result.snippet) {
        var snippet = span("instant-search__snippet");
        snippet.append.apply(snippet, snippetNodes(result.snippet));
        parts.push(snippet);
      }
      addOption("result", parts, result.url, answer.query);
    });
    // "Did you mean" after the results, so that ↓ goes to the best result first.
    if (answer.suggestion) {
      var suggestion = span("instant-search__suggestion");
      suggestion.append("Did you mean ", span("instant-search__title", answer.suggestion), "?");
      addOption("suggestion", [suggestion], null, answer.suggestion);
    }
    if (answer.more_url) {
      var more = span("instant-search__more", "See all results for “" + answer.query + "”");
      addOption("more", [more], answer.more_url);
    }
    hint.hidden = true;
    var count = answer.results.length;
    status.textContent = count
      ? count + (count === 1 ? " result" : " results") + " shown. Use the arrow keys to choose one."
      : "No results shown yet.";
    if (!count && !answer.suggestion && answer.more_url) {
      hint.hidden = false;
      hint.textContent = "Nothing found yet for “" + answer.query + "”.";
    }
    open();
  }

  function showHint() {
    list.replaceChildren();
    options = [];
    active = -1;
    input.removeAttribute("aria-activedescendant");
    hint.hidden = false;
    hint.textContent = "Type to search. ↑ ↓ to choose, Enter to open, Esc to close.";
    status.textContent = "";
    open();
  }

  function ask(query) {
    if (request) request.abort();
    if (answers.has(query)) return show(answers.get(query));
    request = new AbortController();
    // Without cookies: the answer is the same for everyone, and the proxy keeps it.
    fetch(suggestUrl + "?" + new URLSearchParams({ q: query }), {
      credentials: "omit",
      headers: { Accept: "application/json" },
      signal: request.signal,
    })
      .then(function (response) {
        if (!response.ok) throw new Error("search answered " + response.status);
        return response.json();
      })
      .then(function (answer) {
        answers.set(query, answer);
        if (typed() === query && document.activeElement === input) show(answer);
      })
      .catch(function () {
        // Aborted by a newer keystroke, or the network failed: Enter still opens /search/.
      });
  }

  function update() {
    clearTimeout(timer);
    var query = typed();
    if (query.length < SHORTEST) {
      if (request) request.abort();
      showHint();
      return;
    }
    timer = setTimeout(function () { ask(query); }, DELAY);
  }

  // A followed result is counted for its query, so that the searches nobody clicked can be
  // reported. A beacon outlives the page it leaves from.
  function countClick(query, url) {
    if (!query || !clickedUrl || !navigator.sendBeacon) return;
    var data = new FormData();
    data.append("q", query);
    data.append("url", url);
    navigator.sendBeacon(clickedUrl, data);
  }

  function choose(option) {
    if (option.kind === "suggestion") {
      input.value = option.query;
      input.focus();
      ask(option.query);
      return;
    }
    if (option.kind === "result") countClick(option.query, option.url);
    close();
    window.location.assign(option.url);
  }

  input.addEventListener("input", update);
  input.addEventListener("focus", function () {
    if (typed().length >= SHORTEST) update();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (panel.hidden) {
        update();
        return event.preventDefault();
      }
      if (!options.length) return;
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      // From nothing chosen, ↓ goes to the first and ↑ to the last; past either end, to none.
      var next = active + step;
      if (active === -1 && step === -1) next = options.length - 1;
      setActive(next >= options.length || next < -1 ? -1 : next);
    } else if (event.key === "Enter") {
      if (!panel.hidden && options[active]) {
        event.preventDefault();
        choose(options[active]);
      } else {
        close(); // the form goes to /search/ as it always has
      }
    } else if (event.key === "Escape") {
      if (!panel.hidden) {
        event.preventDefault();
        close();
      }
    }
  });

  // The mouse: pressing an option keeps the focus in the box, releasing it chooses.
  list.addEventListener("mousedown", function (event) {
    event.preventDefault();
  });
  list.addEventListener("click", function (event) {
    var item = event.target.closest('[role="option"]');
    var index = options.findIndex(function (option) { return option.element === item; });
    if (index !== -1) choose(options[index]);
  });

  // Leaving the search (a click elsewhere, Tab) closes the panel.
  form.addEventListener("focusout", function (event) {
    if (!form.contains(event.relatedTarget)) close();
  });
  document.addEventListener("mousedown", function (event) {
    if (!form.contains(event.target)) close();
  });

  function isTyping(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.nodeName);
  }

  // The search page hides the header's box (kb.css): its own form is the search there.
  function searchBox() {
    if (form.getClientRects().length) return input;
    return document.querySelector('main form[role="search"] input[name="q"]');
  }

  document.addEventListener("keydown", function (event) {
    var slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey;
    var commandK = (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k";
    if (!(slash && !isTyping(event.target)) && !commandK) return;
    event.preventDefault(); // Ctrl+K is the browser's own search otherwise, even in the box
    if (event.target === input && !panel.hidden) return;
    var box = searchBox();
    if (!box) return;
    box.focus();
    box.select();
    if (box === input) update();
  });
})();

// The full /search/ page's results: following one is counted for the page's query too.
(function () {
  var form = document.querySelector("[data-instant-search]");
  var clickedUrl = form && form.getAttribute("data-clicked-url");
  if (!clickedUrl || !navigator.sendBeacon || !window.FormData) return;
  var field = document.querySelector('main input[name="q"]');
  var query = field ? field.value : new URLSearchParams(window.location.search).get("q");

  function count(event) {
    var link = event.target.closest("a.search-result__title, .search-result__title a");
    if (!link || !query || (event.type === "auxclick" && event.button !== 1)) return;
    var data = new FormData();
    data.append("q", query);
    data.append("url", link.getAttribute("href"));
    navigator.sendBeacon(clickedUrl, data);
  }

  if (!document.querySelector(".search-result__title")) return;
  document.addEventListener("click", count);
  document.addEventListener("auxclick", count); // the middle button opens a tab
})();
