/* The resident's page (/r/<token>): satisfaction, comment, a disputed charge, the signature
   (or a refusal with its reason), posted once as JSON; then the receipt. Its texts are the
   form's data- attributes. */
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var T = {};
  ["empty", "choose", "sending", "submit", "net"].forEach(function (name) { T[name] = $("answer").getAttribute("data-t-" + name); });
  var pad = SignaturePad($("pad"));
  var key = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now()).replace(/[^A-Za-z0-9_-]/g, "");
  $("undo").onclick = function () { pad.undo(); };
  $("clear").onclick = function () { pad.clear(); };
  $("charge_disputed").onchange = function () {
    $("charge-box").classList.toggle("hidden", !this.checked);
  };
  $("refused").onchange = function () {
    $("sign-box").classList.toggle("hidden", this.checked);
    $("reason-box").classList.toggle("hidden", !this.checked);
  };
  function say(text) { var m = $("message"); m.textContent = text; m.classList.toggle("hidden", !text); }
  $("answer").addEventListener("change", function () { say(""); });
  $("answer").onsubmit = function (e) {
    e.preventDefault();
    var choice = document.querySelector("input[name=satisfaction]:checked");
    var refused = $("refused").checked, reason = $("reason").value.trim();
    if (!choice) return say(T.choose);
    if (refused ? !reason : pad.isEmpty()) return say(T.empty);
    var body = {satisfaction: choice.value, comment: $("comment").value.trim() || null,
                signer_name: $("signer").value.trim() || null, refused: refused, submission_key: key,
                charge_disputed: $("charge_disputed").checked};
    if (body.charge_disputed) body.charge_note = $("charge_note").value.trim() || null;
    if (refused) body.refuse_reason = reason; else { body.signature = pad.png(); body.strokes = pad.strokes(); }
    say(""); $("submit").disabled = true; $("submit").textContent = T.sending;
    fetch(location.pathname, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (r) { return r.json().then(function (data) { return {ok: r.ok, data: data}; }); })
      .then(function (res) {
        if (res.ok) { location.replace(res.data.receipt_url); return; }
        say(res.data.detail || T.net);
      }, function () { say(T.net); })
      .finally(function () { $("submit").disabled = false; $("submit").textContent = T.submit; });
  };
})();
