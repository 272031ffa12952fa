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

  // A text with a count may hold one sentence per CLDR plural category, "[one]… {0} second…[other]… {0} seconds…":
  // the page's language picks the sentence ("1 seconds" reads wrong in every language, and Arabic has six forms).
  var plural = null;
  try { plural = new Intl.PluralRules(document.documentElement.lang || undefined); } catch (e) { }
  function text(name, n) {
    var t = d[name] || "";
    if (t.charAt(0) === "[") {
      var forms = {}, parts = t.split(/\[(zero|one|two|few|many|other)\]/);
      for (var i = 1; i + 1 < parts.length; i += 2) { forms[parts[i]] = parts[i + 1]; }
      t = (plural && forms[plural.select(n)]) || forms.other || "";
    }
    return t.replace("{0}", n);
  }
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
    if (state.done >= attempts) { stop(); return; }
    state.wait = Math.min(maxWait, state.wait * 2);
    save();
    var ms = jittered(state.wait);
    start(ms);
    if (!paused) { say(text("gwTStillDown", secs(ms))); }
  }
  function stop() {
    // Forgotten, so that the visitor's own reload starts a new round of checks.
    forget();
    line.textContent = text("gwTGaveUp", state.done);
    say(line.textContent);
    pause.hidden = true;
    if (bar) { bar.hidden = true; }
  }
  function check() {
    checking = true;
    state.done++;
    save();
    line.textContent = d.gwTChecking;
    say(d.gwTChecking);
    var abort = typeof AbortController === "function" ? new AbortController() : null;
    var guard = setTimeout(function () { if (abort) { abort.abort(); } }, 15000);
    // A GET, as the reload will be: a HEAD proves nothing on a GET-only route (MapGet, [HttpGet], a YARP route with
    // Methods) since it is answered 405 whether or not the site works. Only the status is read; the body is dropped.
    // A redirect (to a sign-in page, say) means the site answers: "manual" keeps it same-origin and unfollowed.
    fetch(location.href, { method: "GET", cache: "no-store", credentials: "same-origin", redirect: "manual", signal: abort ? abort.signal : undefined })
      .then(function (response) {
        var ok = response.type === "opaqueredirect" || (response.status > 0 && response.status < 500);
        if (abort) { abort.abort(); }
        return ok;
      }, function () { return false; })
      .then(function (ok) { clearTimeout(guard); finish(ok); });
  }

  line.hidden = false;
  // The countdown says when the next check is; the static advice ("Wait a minute, then reload") would contradict it
  // ("… checks again in 31 seconds"), so the script that runs the countdown takes the advice's place.
  var advice = box.querySelector("[data-gw-advice]");
  if (advice) { advice.hidden = true; }
  // Every reload the script made counts against the limit: a page that reloaded into the same failure as often as it
  // may check stops here instead of checking (and reloading) again.
  if (state.done >= attempts) { stop(); return; }
  pause.hidden = false;
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
