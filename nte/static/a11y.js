// What every page does for people using a keyboard, a screen reader or a voice: loaded by
// templates/base.html. Small and plain on purpose; the pages work without it.
(function () {
  "use strict";

  // A form that came back with something wrong: its error summary (templates/_macros.html)
  // takes the focus, so a screen reader reads it first and the keyboard starts from it.
  function focusErrorSummary(root) {
    var summary = root.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  // A link in the summary puts the focus in its field, with the field's label or legend in
  // view above it (a plain jump to the id would scroll the label out of sight and move no focus).
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) {
      return;
    }
    var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) {
      return;
    }
    var control = target.matches("input, select, textarea, button")
      ? target
      : target.querySelector("input:not([type=hidden]), select, textarea, button");
    if (!control) {
      return;
    }
    event.preventDefault();
    var group = control.closest("fieldset");
    var caption = (control.id && document.querySelector("label[for='" + control.id + "']")) ||
      (group && group.querySelector("legend")) || control;
    caption.scrollIntoView();
    control.focus({ preventScroll: true });
  });

  // What htmx brings in is said in the page's polite live region: the element marked
  // data-announce (a count of results, say). The region stays in place while content around
  // it is swapped, so screen readers hear each change.
  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region) {
      return;
    }
    // Emptied first: the same words twice in a row are still read the second time.
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 100);
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.target || document;
    var message = root.matches && root.matches("[data-announce]")
      ? root
      : root.querySelector && root.querySelector("[data-announce]");
    if (message) {
      announce(message.textContent.replace(/\s+/g, " ").trim());
    }
    if (root.querySelector) {
      focusErrorSummary(root);
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      focusErrorSummary(document);
    });
  } else {
    focusErrorSummary(document);
  }
})();
