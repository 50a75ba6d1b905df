/* Every admin page of the board (templates/admin/base_site.html). No inline script: CSP is script-src 'self'.
 * - A form with data-confirm asks before it posts (start the review, sign off...).
 * - On a phone the review screen's sections fold to their headings (with their thread counts); a link to
 *   something inside a folded section (the jump strip, a finding, an e-mail's #comment-N) opens it.
 * - A link to a part of the review screen lands below its sticky bar, not under it; on a wide screen the
 *   column of panels beside the article sticks just under the bar (it scrolls on its own to a jump's panel).
 */
(function () {
  "use strict";
  var PHONE = window.matchMedia("(max-width: 767px)");

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function openAround(id) {
    var target = id && document.getElementById(id);
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    return target;
  }

  // The review screen's bar sticks to the top: a jump (the strip, an e-mail's #comment-N) lands below it,
  // and on a wide screen the panels' column sticks just under it (--review-bar-height, articles/admin.css).
  function padForBar() {
    var bar = document.getElementById("review-bar");
    if (!bar) return;
    document.documentElement.style.scrollPaddingTop = (bar.offsetHeight + 8) + "px";
    document.documentElement.style.setProperty("--review-bar-height", bar.offsetHeight + "px");
  }

  function foldForPhone() {
    padForBar();
    var hash = decodeURIComponent(window.location.hash.slice(1));
    if (PHONE.matches) {
      document.querySelectorAll("details.review-fold").forEach(function (fold) { fold.open = false; });
    }
    var target = openAround(hash);
    if (target) target.scrollIntoView();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    if (link) openAround(decodeURIComponent(link.getAttribute("href").slice(1)));
  });
  // An in-place answer (htmx) may change what sits above the thread (messages, the bar's words): the column
  // that was acted on stays where the reader had it on the screen.
  var kept = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    kept = target && target.id ? { id: target.id, top: target.getBoundingClientRect().top } : null;
  });
  function keepPlace() {
    var now = kept && document.getElementById(kept.id);
    if (now) window.scrollBy(0, now.getBoundingClientRect().top - kept.top);
  }
  document.addEventListener("htmx:afterSwap", keepPlace);
  document.addEventListener("htmx:oobAfterSwap", keepPlace);
  document.addEventListener("htmx:afterSettle", function () { keepPlace(); kept = null; padForBar(); });
  window.addEventListener("resize", padForBar);
  window.addEventListener("hashchange", function () { openAround(decodeURIComponent(window.location.hash.slice(1))); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", foldForPhone);
  } else {
    foldForPhone();
  }
})();
