/* The staff page (/s/<token>): the callback form with its draft kept in localStorage and
   resent after a dropped connection, the call card's one-tap outcomes, and the signature pad.
   Its texts, the server's stamp of when it served the page and who to are the form's data-
   attributes. */
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var form = $("cb"), storeKey = "huifang.draft." + location.pathname;
  var T = {}, texts = ["empty", "sending", "submit", "offline", "restored", "relogin", "reached", "visit", "logged"];
  texts.forEach(function (name) { T[name] = form.getAttribute("data-t-" + name); });
  var fields = ["service_feedback", "suggestions", "charge_amount", "problems", "signer", "reason"];
  var draft = load() || {key: newKey()};
  // the server's signed word of when it served this page to me: a draft keeps its first one
  var SERVED = form.getAttribute("data-served"), ME = Number(form.getAttribute("data-me"));
  if (!draft.served || draft.me !== ME) { draft.served = SERVED; draft.me = ME; }
  var sending = false;
  var pad = SignaturePad($("pad"), save);
  function load() { try { return JSON.parse(localStorage.getItem(storeKey)); } catch (e) { return null; } }
  function val(name) { var c = form.querySelector("input[name=" + name + "]:checked"); return c ? c.value : null; }
  function save() {
    draft.values = {};
    fields.forEach(function (f) { draft.values[f] = $(f).value; });
    draft.channel = val("channel"); draft.satisfaction = val("satisfaction"); draft.sig_mode = val("sig_mode");
    draft.inspected = $("inspected").checked; draft.charge_verified = $("charge_verified").checked;
    draft.strokes = pad.strokes();
    localStorage.setItem(storeKey, JSON.stringify(draft));
  }
  function restore() {
    if (!draft.values) return;
    fields.forEach(function (f) { if (draft.values[f] != null) $(f).value = draft.values[f]; });
    ["channel", "satisfaction", "sig_mode"].forEach(function (n) {
      var el = draft[n] && form.querySelector("input[name=" + n + "][value=" + draft[n] + "]"); if (el) el.checked = true;
    });
    $("inspected").checked = !!draft.inspected; $("charge_verified").checked = !!draft.charge_verified;
    pad.load(draft.strokes);
    banner(T.restored);
  }
  function banner(text, ok) { var b = $("banner"); b.textContent = text || ""; b.classList.toggle("hidden", !text); }
  function say(text) { var m = $("message"); m.textContent = text || ""; m.classList.toggle("hidden", !text); }
  function sync() {
    var phone = val("channel") === "phone", mode = val("sig_mode");
    $("inspected").disabled = phone; if (phone) $("inspected").checked = false;
    $("sig-section").classList.toggle("hidden", phone);
    if (phone) showLink();
    $("sign-box").classList.toggle("hidden", mode !== "sign");
    $("reason-box").classList.toggle("hidden", mode !== "refuse");
  }
  function showLink() { var card = $("resident-link"); if (card) card.classList.remove("hidden"); }
  function callSaid(text) { var m = $("call-message"); m.textContent = text || ""; m.classList.toggle("hidden", !text); }
  function newKey() { return (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now()).replace(/[^A-Za-z0-9_-]/g, ""); }
  // A tap whose answer never came (offline, a dropped connection) keeps its key: tapped
  // again, the same call is sent with it, and the server records it once.
  var unanswered = null;
  function call(outcome, nextAt, note) {
    var body = {outcome: outcome};
    if (nextAt) body.next_at = nextAt;
    if (note) body.note = note;
    var said = JSON.stringify(body);
    if (!unanswered || unanswered.said !== said) unanswered = {said: said, key: newKey()};
    body.call_key = unanswered.key;
    fetch(location.pathname + "/call", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body), credentials: "same-origin"})
      .then(function (r) { return r.json().then(function (data) { return {ok: r.ok, status: r.status, data: data}; }); })
      .then(function (res) {
        if (!res.ok) { if (res.status === 401) { location.href = "/login?next=" + location.pathname; return; } unanswered = null; return callSaid(res.data.detail); }
        unanswered = null;
        $("reschedule-box").classList.add("hidden");
        showLink();
        if (outcome === "reached") {
          draft.attempt_id = res.data.attempt_id;
          var phone = form.querySelector("input[name=channel][value=phone]"); phone.checked = true;
          sync(); save(); callSaid(T.reached); form.scrollIntoView();
        } else {
          callSaid(res.data.next_step === "visit" ? T.visit : T.logged);
        }
      }, function () { callSaid(T.offline); });
  }
  document.querySelectorAll("#call-outcomes button").forEach(function (b) {
    b.onclick = function () {
      var outcome = b.getAttribute("data-outcome");
      if (outcome === "rescheduled") { $("reschedule-box").classList.remove("hidden"); $("next_at").focus(); return; }
      call(outcome);
    };
  });
  $("reschedule-save").onclick = function () {
    var local = $("next_at").value;
    if (!local) { $("next_at").focus(); return; }
    call("rescheduled", new Date(local).toISOString(), $("call_note").value.trim());
  };
  function payload() {
    var text = function (f) { var v = $(f).value.trim(); return v || null; };
    var body = {channel: val("channel"), inspected: $("inspected").checked, service_feedback: text("service_feedback"),
      suggestions: text("suggestions"), charge_verified: $("charge_verified").checked, charge_amount: text("charge_amount"),
      satisfaction: val("satisfaction"), problems: text("problems"), submission_key: draft.key,
      held_ms: draft.firstSent ? Math.min(86400000, Math.max(0, Date.now() - draft.firstSent)) : 0,
      served: draft.served};
    if (draft.attempt_id && body.channel === "phone") body.attempt_id = draft.attempt_id;
    var mode = val("sig_mode");
    if (body.channel === "on_site" && mode === "sign" && !pad.isEmpty()) {
      body.resident = {signer_name: text("signer"), signature: pad.png(), strokes: pad.strokes(), refused: false};
    } else if (body.channel === "on_site" && mode === "refuse") {
      body.resident = {signer_name: text("signer"), refused: true, refuse_reason: text("reason")};
    }
    return body;
  }
  function send() {
    if (sending) return;
    sending = true; $("submit").disabled = true; $("submit").textContent = T.sending;
    var body = payload();
    fetch(location.pathname, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body), credentials: "same-origin"})
      .then(function (r) { return r.json().then(function (data) { return {status: r.status, ok: r.ok, data: data}; }); })
      .then(function (res) {
        if (res.ok) { localStorage.removeItem(storeKey); location.replace(res.data.done_url); return; }
        draft.pending = false; save(); banner("");
        if (res.status === 401) { say(T.relogin); location.href = "/login?next=" + location.pathname; return; }
        say(res.data.detail);
      }, function () { banner(T.offline); })
      .finally(function () { sending = false; $("submit").disabled = false; $("submit").textContent = T.submit; });
  }
  form.addEventListener("input", save);
  form.addEventListener("change", function () { sync(); save(); });
  $("undo").onclick = function () { pad.undo(); };
  $("clear").onclick = function () { pad.clear(); };
  form.onsubmit = function (e) {
    e.preventDefault(); say("");
    var body = payload();
    if (body.channel === "on_site" && val("sig_mode") === "sign" && pad.isEmpty()) return say(T.empty);
    if (val("sig_mode") === "refuse" && body.channel === "on_site" && !body.resident.refuse_reason) return say(T.empty);
    if (!draft.firstSent) draft.firstSent = Date.now();
    draft.pending = true; save(); send();
  };
  function retry() { if (draft.pending && navigator.onLine !== false) send(); }
  window.addEventListener("online", retry);
  setInterval(retry, 5000);
  restore(); sync();
  if (draft.pending) retry();
})();
