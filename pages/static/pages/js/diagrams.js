// Draws the page's Mermaid diagrams (pages/blocks/diagram.html) with the Mermaid library shipped
// in pages/vendor/mermaid/. kb.js loads this file only on pages that have a diagram.
//
// The readers' Content-Security-Policy allows no inline style (style-src 'self'), and Mermaid
// writes <style> elements and style="" attributes, as markup and through the DOM, while it draws
// and in the SVG it returns. So that nothing is refused (and the browser reports no violation),
// styles reach the page only through the CSSOM, which the policy does not govern:
// - markup (innerHTML, DOMParser's input, which Mermaid's sanitiser parses: a parsed document is
//   under the page's policy too, and the SVG Mermaid returns) has style="" renamed data-kb-style
//   and <style> renamed <kb-css>; once parsed, each data-kb-style goes to element.style and each
//   <kb-css> to a stylesheet;
// - setAttribute("style", …) sets element.style.cssText instead;
// - a <style> element inserted into the document becomes a constructable stylesheet adopted by
//   the document (document.adoptedStyleSheets), and a comment takes its place.
// These hooks are in place only from loading Mermaid until the diagrams are drawn.
(function () {
  var figures = Array.prototype.slice.call(document.querySelectorAll("[data-diagram]"));
  if (!figures.length || !window.CSSStyleSheet || !("adoptedStyleSheets" in document)) return;

  var sheets = []; // the stylesheets Mermaid's styles became, dropped before a redraw

  function adopt(css) {
    if (!css || !css.trim()) return;
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    sheets.push(sheet);
    document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
  }

  function dropSheets() {
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter(function (sheet) {
      return sheets.indexOf(sheet) === -1;
    });
    sheets = [];
  }

  // Markup without inline style: in each tag (text cannot hold a "<"), style="" becomes
  // data-kb-style="" and <style> <kb-css>. Attribute values are always in double quotes in
  // what Mermaid and the browser's serialiser write.
  function unstyled(markup) {
    return String(markup).replace(/<[^<>]+>/g, function (tag) {
      return tag
        .replace(/^<(\/?)style(?=[\s>\/])/i, "<$1kb-css")
        .replace(/\sstyle=(["'])/gi, " data-kb-style=$1");
    });
  }

  // What unstyled() set aside, applied through the CSSOM within `root`.
  function restyle(root) {
    Array.prototype.forEach.call(root.querySelectorAll("kb-css"), function (style) {
      adopt(style.textContent);
      style.remove();
    });
    var styled = Array.prototype.slice.call(root.querySelectorAll("[data-kb-style]"));
    if (root.hasAttribute && root.hasAttribute("data-kb-style")) styled.unshift(root); // not a document
    styled.forEach(function (element) {
      var style = element.getAttribute("data-kb-style");
      element.removeAttribute("data-kb-style");
      element.style.cssText = style;
    });
  }

  function isStyleElement(node) {
    return node && node.nodeType === 1 && node.localName === "style";
  }

  var hooks = null;

  function hookStyles() {
    if (hooks) return;
    var html = Object.getOwnPropertyDescriptor(Element.prototype, "innerHTML");
    hooks = {
      setAttribute: Element.prototype.setAttribute,
      insertBefore: Node.prototype.insertBefore,
      appendChild: Node.prototype.appendChild,
      innerHTML: html,
      parseFromString: DOMParser.prototype.parseFromString,
    };
    function sheetInstead(node) {
      if (!isStyleElement(node)) return node;
      adopt(node.textContent);
      return document.createComment("style moved to document.adoptedStyleSheets");
    }
    Element.prototype.setAttribute = function (name, value) {
      if (String(name).toLowerCase() !== "style") {
        return hooks.setAttribute.call(this, name, value);
      }
      this.style.cssText = value;
    };
    Node.prototype.insertBefore = function (node, before) {
      return hooks.insertBefore.call(this, sheetInstead(node), before);
    };
    Node.prototype.appendChild = function (node) {
      return hooks.appendChild.call(this, sheetInstead(node));
    };
    // Mermaid's sanitiser (DOMPurify, securityLevel "strict") parses its labels and the SVG.
    DOMParser.prototype.parseFromString = function (markup, type) {
      var parsed = hooks.parseFromString.call(this, unstyled(markup), type);
      restyle(parsed);
      return parsed;
    };
    Object.defineProperty(Element.prototype, "innerHTML", {
      configurable: true,
      enumerable: html.enumerable,
      get: html.get,
      set: function (markup) {
        if (isStyleElement(this)) return html.set.call(this, markup); // moved when inserted
        html.set.call(this, unstyled(markup));
        restyle(this);
      },
    });
  }

  function unhookStyles() {
    if (!hooks) return;
    Element.prototype.setAttribute = hooks.setAttribute;
    Node.prototype.insertBefore = hooks.insertBefore;
    Node.prototype.appendChild = hooks.appendChild;
    Object.defineProperty(Element.prototype, "innerHTML", hooks.innerHTML);
    DOMParser.prototype.parseFromString = hooks.parseFromString;
    hooks = null;
  }

  // The SVG Mermaid returns, parsed and imported into the page with its styles.
  function importSvg(markup) {
    // Parsed unhooked: its styles are applied once it is in the page, not copied into it.
    var parse = hooks ? hooks.parseFromString : DOMParser.prototype.parseFromString;
    var parsed = parse.call(new DOMParser(), unstyled(markup), "image/svg+xml");
    var svg = parsed.documentElement;
    if (svg.localName !== "svg" || parsed.querySelector("parsererror")) return null;
    var imported = document.importNode(svg, true);
    restyle(imported);
    return imported;
  }

  function colourScheme() {
    var chosen = document.documentElement.getAttribute("data-theme");
    if (chosen === "dark" || chosen === "light") return chosen;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function draw(figure, index) {
    var source = figure.querySelector("[data-diagram-source]");
    var canvas = figure.querySelector("[data-diagram-canvas]");
    var description = figure.querySelector("[data-diagram-description]");
    if (!source || !canvas) return Promise.resolve();
    var id = "kb-diagram-" + (index + 1);
    return window.mermaid.render(id, source.textContent).then(
      function (result) {
        var svg = importSvg(result.svg);
        if (!svg) throw new Error("Mermaid returned no SVG");
        svg.setAttribute("role", "img");
        svg.removeAttribute("aria-roledescription");
        var caption = figure.querySelector("figcaption");
        if (caption) svg.setAttribute("aria-labelledby", caption.id);
        else svg.setAttribute("aria-label", "Diagram");
        if (description) svg.setAttribute("aria-describedby", description.id);
        svg.classList.add("diagram__svg");
        var old = canvas.querySelector("svg");
        if (old) old.remove();
        source.hidden = true;
        canvas.appendChild(svg);
        figure.setAttribute("data-diagram-drawn", colourScheme());
      },
      function () {
        // Mermaid could not read it: readers keep the source and the description.
        source.hidden = false;
        figure.setAttribute("data-diagram-drawn", "error");
      }
    );
  }

  function drawAll() {
    hookStyles();
    dropSheets();
    window.mermaid.initialize({
      startOnLoad: false,
      securityLevel: "strict",
      theme: colourScheme() === "dark" ? "dark" : "default",
      // Mermaid's dark edge labels (light grey on #585858) fall short of WCAG AA contrast: the
      // page's own dark background under them passes.
      themeVariables: colourScheme() === "dark" ? { edgeLabelBackground: "#0d1117" } : {},
    });
    // One at a time: Mermaid measures each in a scratch element of its own.
    return figures
      .reduce(function (previous, figure, index) {
        return previous.then(function () {
          return draw(figure, index);
        });
      }, Promise.resolve())
      .then(unhookStyles, unhookStyles);
  }

  function redrawWhenTheSchemeChanges() {
    var current = colourScheme();
    function check() {
      if (colourScheme() === current) return;
      current = colourScheme();
      drawAll();
    }
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", check);
    new MutationObserver(check).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ["data-theme"],
    });
  }

  var library = document.createElement("script");
  library.src = figures[0].getAttribute("data-diagram-library");
  library.addEventListener("load", function () {
    if (window.mermaid) drawAll().then(redrawWhenTheSchemeChanges);
    else unhookStyles();
  });
  library.addEventListener("error", unhookStyles);
  hookStyles(); // Mermaid may add styles as it loads
  document.head.appendChild(library);
})();
