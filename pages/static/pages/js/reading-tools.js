// Copying from a page: a heading's link (its "#" anchor link, written by the server:
// pages/reading/heading_anchors.py) and a code block's code (a Copy button, added here, since it
// does nothing without JavaScript). Each says what it did in a polite live region, which is also
// shown for a moment. Without JavaScript an anchor link is a plain link to its heading.
(function () {
  var status = document.createElement("div");
  status.className = "copy-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  document.body.appendChild(status);
  var clearing = null;

  function say(message) {
    status.textContent = message;
    window.clearTimeout(clearing);
    clearing = window.setTimeout(function () { status.textContent = ""; }, 2500);
  }

  // The Clipboard API needs a secure context (HTTPS or localhost); elsewhere it is missing.
  function copy(text) {
    if (!navigator.clipboard || !navigator.clipboard.writeText) {
      return Promise.reject(new Error("no clipboard"));
    }
    return navigator.clipboard.writeText(text);
  }

  // The anchor link still goes to its heading (the address bar shows the link, the back button
  // returns); the absolute link is copied on the way.
  document.querySelectorAll(".heading-anchor").forEach(function (link) {
    link.addEventListener("click", function () {
      copy(link.href).then(
        function () { say("Link copied"); },
        function () { say("The link to this section is in the address bar"); }
      );
    });
  });

  document.querySelectorAll(".code-block__body").forEach(function (body) {
    var code = body.querySelector("code");
    if (!code) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "code-block__copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy code");
    body.appendChild(button);
    button.addEventListener("click", function () {
      // Pygments ends the highlighted code with a newline the author did not write.
      copy(code.textContent.replace(/\n$/, "")).then(
        function () {
          button.textContent = "Copied";
          say("Copied");
          window.setTimeout(function () { button.textContent = "Copy"; }, 2500);
        },
        function () {
          // No clipboard: select the code, for the reader's own Ctrl+C.
          var range = document.createRange();
          range.selectNodeContents(code);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          say("Code selected: press Ctrl+C to copy");
        }
      );
    });
  });
})();
