// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Auto-submit filter forms (htmx does the request) when a select changes.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("form[data-autosubmit] select, form[data-autosubmit] input[type=checkbox]")) {
      var form = target.closest("form");
      if (form && window.htmx) { window.htmx.trigger(form, "submit"); }
    }
  });

  // The menu on narrow screens. The server renders a link to #sidenav (shown by .sidenav:target);
  // here it becomes a disclosure button that shows and hides the navigation in place.
  function setUpMenu() {
    var button = document.querySelector("[data-menu-button]");
    var nav = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!nav || button.hasAttribute("aria-expanded")) { return; }
    button.setAttribute("role", "button");
    nav.setAttribute("data-enhanced", "");
    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("is-open", open);
    }
    setOpen(window.location.hash === "#" + nav.id);
    button.addEventListener("click", function (event) {
      event.preventDefault();
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    button.addEventListener("keydown", function (event) {
      if (event.key === " ") { event.preventDefault(); button.click(); }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  }

  // Every table in <main> scrolls sideways inside its own box, never the page. The box is a named,
  // focusable region only while it really scrolls, so keyboard users can scroll it too.
  function tableName(table) {
    var caption = table.querySelector("caption");
    if (caption) { return caption.textContent.trim(); }
    if (table.getAttribute("aria-label")) { return table.getAttribute("aria-label"); }
    var section = table.closest("section, article, .card");
    var heading = (section && section.querySelector("h2, h3")) || document.querySelector("main h1");
    return heading ? heading.textContent.trim() : "";
  }

  function markScrollable(box) {
    var name = tableName(box.querySelector("table"));
    if (box.scrollWidth > box.clientWidth + 1 && name) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", name);
    } else {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }

  function wrapTables(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var tables = Array.prototype.slice.call(scope.querySelectorAll("table"));
    if (scope.matches && scope.matches("table")) { tables.push(scope); }
    tables.forEach(function (table) {
      if (!table.closest("main") || table.parentElement.closest("table")) { return; }
      var box = table.parentElement;
      if (!box.classList.contains("table-scroll") && !box.classList.contains("table-wrap")) {
        box = document.createElement("div");
        box.className = "table-scroll";
        table.parentNode.insertBefore(box, table);
        box.appendChild(table);
      }
      markScrollable(box);
    });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () {
      document.querySelectorAll("main .table-scroll").forEach(markScrollable);
    }, 150);
  });

  // In-page navigation shown as tabs ([data-tabs]): each link points at an element inside a
  // [data-tab-panel]; the panel holding the URL's #fragment is shown (redirects such as
  // "#attendance" land on their tab), else the first. Without JavaScript every panel shows and the
  // links are ordinary in-page links.
  function setUpTabs(nav) {
    if (nav.hasAttribute("data-enhanced")) { return; }
    nav.setAttribute("data-enhanced", "");
    var links = Array.prototype.slice.call(nav.querySelectorAll("a[href^='#']"));
    var panels = [];
    links.forEach(function (link) {
      var target = document.getElementById(link.hash.slice(1));
      var panel = target && target.closest("[data-tab-panel]");
      link.tabPanel = panel;
      if (panel && panels.indexOf(panel) < 0) { panels.push(panel); }
    });
    if (!panels.length) { return; }
    function show(panel) {
      panels.forEach(function (each) { each.hidden = each !== panel; });
      links.forEach(function (link) {
        if (link.tabPanel === panel) { link.setAttribute("aria-current", "true"); }
        else { link.removeAttribute("aria-current"); }
      });
      wrapTables(panel);
    }
    function panelForHash() {
      var id = decodeURIComponent(window.location.hash.slice(1));
      var target = id && document.getElementById(id);
      var panel = target && target.closest("[data-tab-panel]");
      return panels.indexOf(panel) >= 0 ? panel : null;
    }
    links.forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (!link.tabPanel) { return; }
        event.preventDefault();
        show(link.tabPanel);
        window.history.replaceState(null, "", link.hash);
      });
    });
    window.addEventListener("hashchange", function () {
      var panel = panelForHash();
      if (panel) { show(panel); }
    });
    var initial = panelForHash();
    show(initial || panels[0]);
    if (initial) {
      var target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
      if (target) { target.scrollIntoView(); }
    }
  }

  // Attendance grids ([data-attendance-form]): "Mark all present" fills a session's column here
  // (without JavaScript the button submits the grid with that column present); one Save records
  // the whole grid, and leaving with unsaved marks asks first.
  function setUpAttendance(form) {
    if (form.hasAttribute("data-enhanced")) { return; }
    form.setAttribute("data-enhanced", "");
    var status = form.querySelector("[data-unsaved]");
    var dirty = false;
    function markDirty() {
      dirty = true;
      if (status) { status.textContent = status.getAttribute("data-message"); }
    }
    form.addEventListener("change", markDirty);
    form.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("button[name=present]");
      if (!button) { return; }
      event.preventDefault();
      form.querySelectorAll("select[data-session='" + button.value + "']").forEach(function (select) {
        select.value = "present";
      });
      markDirty();
    });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  }

  function enhance(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-tabs]").forEach(setUpTabs);
    scope.querySelectorAll("form[data-attendance-form]").forEach(setUpAttendance);
    wrapTables(scope);
  }

  // Filter boxes (<details data-fold-on-phone>, open as served): on a narrow screen with no filter
  // active the box starts folded, so the list comes first; the summary shows how many are active.
  function foldFilters() {
    if (!window.matchMedia || !window.matchMedia("(max-width: 800px)").matches) { return; }
    document.querySelectorAll("details[data-fold-on-phone]").forEach(function (box) {
      var summary = box.querySelector("summary[data-active-filters]");
      if (summary && summary.getAttribute("data-active-filters") === "0") { box.open = false; }
    });
  }

  function start() {
    foldFilters();
    setUpMenu();
    enhance(document);
    // content swapped in by htmx gets the same treatment
    document.addEventListener("htmx:load", function (event) { enhance(event.target); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
