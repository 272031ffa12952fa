(function () {
  "use strict";
  var box = document.querySelector("[data-gw-retry]");
  if (!box) { return; }
  var back = box.querySelector("[data-gw-back]");
  if (back) {
    back.hidden = false;
    back.addEventListener("click", function () { history.back(); });
  }
  if (box.getAttribute("data-gw-retry") !== "auto") { return; }
  var d = box.dataset;
  var live = box.querySelector("[data-gw-live]");
  var line = box.querySelector("[data-gw-countdown]");
  var bar = box.querySelector("[data-gw-bar]");
  var pause = box.querySelector("[data-gw-pause]");
  var key = "gw-retry:" + location.pathname + location.search;
  var maxWait = +d.gwMaxWait;
  var attempts = +d.gwAttempts;
  var state = load() || { wait: +d.gwWait, done: 0 };
  var total = 0, left = 0, due = 0, timer = 0, paused = false, checking = false;
  var calm = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function text(name, n) { return (d[name] || "").replace("{0}", n); }
  function say(t) { live.textContent = t; }
  function secs(ms) { return Math.max(0, Math.ceil(ms / 1000)); }
  function load() {
    try {
      var s = JSON.parse(sessionStorage.getItem(key) || "null");
      return s && Date.now() - s.at < 600000 ? s : null;
    } catch (e) { return null; }
  }
  function save() { try { state.at = Date.now(); sessionStorage.setItem(key, JSON.stringify(state)); } catch (e) { } }
  function forget() { try { sessionStorage.removeItem(key); } catch (e) { } }
  // Never earlier than asked (Retry-After is a minimum), and never in step with every other visitor.
  function jittered(seconds) { return seconds * 1000 * (1 + Math.random() * 0.2); }
  function running() { return !paused && !checking && document.visibilityState !== "hidden"; }
  function show() {
    line.textContent = paused ? d.gwTPaused : text("gwTCountdown", secs(left));
    if (bar && bar.firstElementChild) { bar.firstElementChild.style.transform = "scaleX(" + (total ? left / total : 0) + ")"; }
  }
  function schedule() {
    clearTimeout(timer);
    timer = 0;
    if (!running()) { return; }
    due = Date.now() + left;
    timer = setTimeout(tick, left % 1000 || Math.min(1000, left));
  }
  function hold() {
    if (timer) {
      clearTimeout(timer);
      timer = 0;
      left = Math.max(0, due - Date.now());
    }
    show();
  }
  function tick() {
    timer = 0;
    left = Math.max(0, due - Date.now());
    show();
    if (left <= 0) { check(); } else { timer = setTimeout(tick, left % 1000 || 1000); }
  }
  function start(ms) {
    total = left = ms;
    show();
    schedule();
  }
  function finish(ok) {
    checking = false;
    if (ok) {
      // If the reloaded page fails again, it carries on from this wait and count instead of starting over.
      state.wait = Math.min(maxWait, state.wait * 2);
      save();
      line.textContent = d.gwTBack;
      say(d.gwTBack);
      location.reload();
      return;
    }
    if (state.done >= attempts) {
      forget();
      line.textContent = text("gwTGaveUp", state.done);
      say(line.textContent);
      pause.hidden = true;
      if (bar) { bar.hidden = true; }
      return;
    }
    state.wait = Math.min(maxWait, state.wait * 2);
    save();
    var ms = jittered(state.wait);
    start(ms);
    if (!paused) { say(text("gwTStillDown", secs(ms))); }
  }
  function check() {
    checking = true;
    state.done++;
    save();
    line.textContent = d.gwTChecking;
    say(d.gwTChecking);
    var abort = typeof AbortController === "function" ? new AbortController() : null;
    var guard = setTimeout(function () { if (abort) { abort.abort(); } }, 15000);
    fetch(location.href, { method: "HEAD", cache: "no-store", credentials: "same-origin", signal: abort ? abort.signal : undefined })
      .then(function (response) { return response.status < 500; }, function () { return false; })
      .then(function (ok) { clearTimeout(guard); finish(ok); });
  }

  pause.hidden = false;
  line.hidden = false;
  if (bar && !calm) { bar.hidden = false; }
  pause.addEventListener("click", function () {
    paused = !paused;
    pause.textContent = paused ? d.gwTResume : d.gwTPause;
    if (paused) { hold(); say(d.gwTPaused); } else { show(); schedule(); say(text("gwTCountdown", secs(left))); }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { hold(); } else { schedule(); }
  });
  var first = jittered(Math.max(state.wait, +d.gwWait));
  start(first);
  say(text("gwTCountdown", secs(first)));
})();
