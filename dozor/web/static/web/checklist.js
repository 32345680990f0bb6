// The online checklist during a visit (visits/checklist.html). Without JavaScript the form works
// as it is: Save draft and Finalise submit it. Here:
// - every change is kept on this device at once (localStorage, keyed by visit, version and the
//   checklist's instance ID) and sent to the server as a draft shortly after; when the connection
//   is lost, the answers wait on the device and are sent when it returns;
// - on loading, answers kept on the device that the server has not received are put back into
//   the form (and sent), and the page says so. Each entry records the server's save it was typed
//   on top of ("base"): if the server's draft is still that save, or a later one that can only be
//   this page's own save whose answer was lost with the connection ("inflight"), the device's
//   answers are newer. Clocks are compared only when the draft was saved elsewhere (another phone);
// - the section menu and the progress follow the answers; the error summary gets the focus.
(function () {
  "use strict";
  var SAVE_DELAY = 1200; // ms after the last change
  var RETRY_DELAY = 15000; // ms between attempts while the server cannot be reached
  var SKIP = { csrfmiddlewaretoken: true, instance: true, _draft: true, _finalise: true, _refresh: true };

  function storageGet(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  }
  function storageRemove(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* storage unavailable */ }
  }

  // The answers in the form as [name, value] pairs (several pairs for several choices).
  function serialise(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (!SKIP[name] && typeof value === "string") { pairs.push([name, value]); }
    });
    return pairs;
  }

  // Put answers back into the form; fields the page does not show (units removed since) are left.
  function restore(form, pairs) {
    var values = {};
    pairs.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name] || el.type === "submit" || el.type === "button") { return; }
      var given = values[el.name] || [];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = given.indexOf(el.value) >= 0;
      } else if (given.length) {
        el.value = given[0];
      } else if (!/^units_/.test(el.name)) {
        el.value = "";
      }
    });
  }

  function timeText(ms) {
    var date = new Date(ms);
    return ("0" + date.getHours()).slice(-2) + ":" + ("0" + date.getMinutes()).slice(-2);
  }

  function answered(field) {
    var inputs = field.querySelectorAll("input, textarea, select");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "radio" || input.type === "checkbox") { if (input.checked) { return true; } }
      else if (input.value && input.value.trim()) { return true; }
    }
    return false;
  }

  function setUpProgress(form) {
    var menu = document.querySelector(".checklist-menu");
    if (!menu) { return function () {}; }
    var countTemplate = menu.querySelector("[data-count-template]").innerHTML.trim();
    var requiredTemplate = menu.querySelector("[data-required-template]").innerHTML.trim();
    function fill(template, done, all) {
      return template.replace("__A__", String(done)).replace("__T__", String(all));
    }
    return function update() {
      var totals = { answered: 0, total: 0, required: 0, requiredAnswered: 0 };
      form.querySelectorAll("[data-section]").forEach(function (section) {
        var counts = { answered: 0, total: 0, required: 0, requiredAnswered: 0 };
        var shown = false;
        section.querySelectorAll("[data-question]").forEach(function (field) {
          if (field.hidden || field.closest("[hidden]")) { return; }
          shown = true;
          var done = answered(field);
          counts.total += 1;
          if (done) { counts.answered += 1; }
          if (field.hasAttribute("data-required")) {
            counts.required += 1;
            if (done) { counts.requiredAnswered += 1; }
          }
        });
        Object.keys(totals).forEach(function (key) { totals[key] += counts[key]; });
        var item = menu.querySelector("[data-menu-section='" + section.getAttribute("data-section") + "']");
        if (item) {
          item.hidden = !shown;
          var text = fill(countTemplate, counts.answered, counts.total);
          if (counts.required) { text += " · " + fill(requiredTemplate, counts.requiredAnswered, counts.required); }
          item.querySelector("[data-section-count]").textContent = text;
        }
      });
      var progress = menu.querySelector("[data-progress]");
      progress.max = Math.max(totals.total, 1);
      progress.value = totals.answered;
      menu.querySelector("[data-progress-text]").textContent = fill(countTemplate, totals.answered, totals.total);
      menu.querySelector("[data-required-text]").textContent = fill(requiredTemplate, totals.requiredAnswered, totals.required);
    };
  }

  function setUp(form) {
    var prefix = form.getAttribute("data-storage-key");
    var instance = form.getAttribute("data-instance");
    var known = (form.getAttribute("data-known") || "").split(/\s+/).filter(Boolean);
    var serverSaved = parseInt(form.getAttribute("data-server-saved"), 10) || 0;
    // Device times are kept in the server's clock, so that a device whose clock is wrong still
    // compares its answers correctly with the server's draft.
    var offset = (parseInt(form.getAttribute("data-server-now"), 10) || Date.now()) - Date.now();
    var statusLine = form.querySelector("[data-save-status]");
    var stateLine = document.querySelector("[data-checklist-state]");
    var updateProgress = setUpProgress(form);
    var serverBase = serverSaved; // the server's latest save of this checklist known to this page
    var revision = 0;
    var sending = false;
    var timer = null;

    function now() { return Date.now() + offset; }
    function key() { return prefix + instance; }
    function say(text) { if (statusLine) { statusLine.textContent = text; } }

    // A new checklist adopts answers left on this device by a new checklist never saved on the
    // server (the connection was lost before its first save, then the page was reloaded).
    if (!serverSaved) {
      var orphan = null;
      for (var i = 0; i < window.localStorage.length; i++) {
        var name = window.localStorage.key(i);
        if (name && name.indexOf(prefix) === 0) {
          var entry = storageGet(name);
          var id = name.slice(prefix.length);
          if (entry && !entry.synced && known.indexOf(id) < 0 && (!orphan || entry.saved > orphan.entry.saved)) {
            orphan = { id: id, entry: entry };
          }
        }
      }
      if (orphan) {
        instance = orphan.id;
        form.querySelector("input[name=instance]").value = instance;
        form.setAttribute("data-instance", instance);
      }
    }

    var local = storageGet(key());
    var restored = false;
    var unsent = local && !local.synced && local.answers &&
      (local.base === serverSaved || (!local.posted && (local.inflight || local.saved > serverSaved)));
    if (unsent) {
      restore(form, local.answers);
      restored = true;
      if (stateLine) {
        stateLine.textContent = stateLine.textContent.trim() + " " +
          form.getAttribute("data-msg-restored").replace("__TIME__", timeText(local.saved - offset));
      }
      stateLine && stateLine.setAttribute("data-restored", "");
    } else if (local) {
      storageRemove(key()); // the server has these answers (or newer ones)
    }

    function keep(posted) {
      revision += 1;
      var previous = storageGet(key()) || {};
      storageSet(key(), {
        answers: serialise(form), saved: now(), synced: false, revision: revision, base: serverBase,
        posted: !!posted, inflight: !posted && !!previous.inflight,
      });
    }

    function markInflight(value) {
      var current = storageGet(key());
      if (current) { current.inflight = value; storageSet(key(), current); }
    }

    function send() {
      window.clearTimeout(timer);
      if (sending) { return; }
      var entry = storageGet(key());
      if (!entry || entry.synced) { return; }
      sending = true;
      var sent = revision;
      say(form.getAttribute("data-msg-saving"));
      markInflight(true); // until the server answers, it may or may not have these answers
      var body = new FormData(form);
      body.delete("_finalise");
      body.delete("_refresh");
      body.set("_draft", "autosave");
      fetch(form.action || window.location.href, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-Dozor-Autosave": "1", "Accept": "application/json" },
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (result) {
        sending = false;
        if (!result.ok || !result.data.ok) {
          markInflight(false); // refused: the server kept nothing of it
          say((result.data && result.data.message) || form.getAttribute("data-msg-unsaved"));
          return;
        }
        say(result.data.message);
        serverBase = result.data.saved_ms || serverBase;
        var current = storageGet(key()) || {};
        current.base = serverBase;
        current.inflight = false;
        if (revision === sent) {
          current.synced = true;
          storageSet(key(), current);
        } else {
          storageSet(key(), current);
          send(); // changed while the save was on its way
        }
      }).catch(function () {
        sending = false;
        say(form.getAttribute("data-msg-offline"));
        timer = window.setTimeout(send, RETRY_DELAY);
      });
    }

    function changed() {
      keep();
      updateProgress();
      window.clearTimeout(timer);
      if (navigator.onLine === false) {
        say(form.getAttribute("data-msg-offline"));
        return;
      }
      timer = window.setTimeout(send, SAVE_DELAY);
    }

    form.addEventListener("submit", function (event) {
      // Kept in case the request is lost; the server saves these answers before anything else, so
      // once it has answered, the page it sends back holds them and this copy is dropped.
      keep(true);
      if (navigator.onLine === false) {
        // the answers stay on this device; the button works again once the connection returns
        event.preventDefault();
        say(form.getAttribute("data-msg-offline"));
      }
    });
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    window.addEventListener("online", send);
    window.addEventListener("offline", function () { say(form.getAttribute("data-msg-offline")); });
    // Relevance swapped in by htmx changes which questions count. The swapped questions were
    // rendered from the answers sent with the request: anything typed into them while it was on
    // its way is put back from the copy on this device, which every keystroke updates.
    document.body.addEventListener("htmx:afterSettle", function () {
      var entry = storageGet(key());
      if (entry && entry.answers) { restore(form, entry.answers); }
      updateProgress();
    });

    if (restored) {
      // conditions may depend on restored answers: ask the server which questions apply now
      form.querySelectorAll("[hx-post]").forEach(function (field) {
        var input = field.querySelector("input, textarea, select");
        if (input && window.htmx) { window.htmx.trigger(field, "change"); }
      });
      keep();
      send();
    }
    updateProgress();
  }

  function start() {
    var form = document.querySelector("form[data-checklist]");
    if (form) { setUp(form); }
    // the section menu is open beside the form on wide screens, one folded line on phones
    var menu = document.querySelector("[data-checklist-menu]");
    if (menu && window.matchMedia("(min-width: 1000px)").matches) { menu.open = true; }
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
