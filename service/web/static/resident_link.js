/* The staff page's "send the resident their link" control (#resident-link): posts the chosen
   channel (and the e-mail address for e-mail) to the page's own link and shows the answer the
   server words in the page's language: sent, queued for a retry, failed, or sent too often. */
(function () {
  var card = document.getElementById("resident-link");
  if (!card) return;
  var send = document.getElementById("rl-send");
  if (!send) return;
  var $ = function (id) { return document.getElementById(id); };
  var label = send.textContent, busy = false;
  function channel() { var c = card.querySelector("input[name=rl_channel]:checked"); return c ? c.value : null; }
  function say(text, ok) {
    var box = $("rl-result");
    box.textContent = text || "";
    box.classList.toggle("hidden", !text);
    box.classList.toggle("ok", !!ok);
  }
  function sync() {
    var ch = channel(), email = ch === "email";
    $("rl-email-box").classList.toggle("hidden", !email);
    send.disabled = busy || !ch || (email && !$("rl-email").value.trim());
  }
  function remember(line) {
    var history = $("rl-history"), p = document.createElement("p");
    p.className = "small rl-line m-tight"; p.textContent = line;
    var heading = history.firstElementChild;
    history.insertBefore(p, heading ? heading.nextSibling : null);
    history.classList.remove("hidden");
  }
  card.addEventListener("change", sync);
  $("rl-email").addEventListener("input", sync);
  $("rl-email").addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); if (!send.disabled) send.click(); } });
  send.addEventListener("click", function () {
    var ch = channel();
    if (!ch || busy) return;
    var body = {channel: ch, language: $("rl-lang").value};
    if (ch === "email") body.to = $("rl-email").value.trim();
    busy = true; sync(); send.textContent = card.getAttribute("data-sending"); say("");
    fetch(card.getAttribute("data-post"), {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body), credentials: "same-origin"})
      .then(function (r) { return r.json().then(function (data) { return {ok: r.ok, status: r.status, data: data}; }); })
      .then(function (res) {
        if (res.status === 401) { location.href = "/login?next=" + location.pathname; return; }
        say(res.data.message || res.data.detail, res.ok && res.data.status === "sent");
        card.setAttribute("data-result", res.ok ? res.data.status : String(res.status));
        if (res.ok && res.data.line) remember(res.data.line);
      }, function () { say(card.getAttribute("data-offline")); card.setAttribute("data-result", "offline"); })
      .finally(function () { busy = false; send.textContent = label; sync(); });
  });
  if (!channel()) { var first = card.querySelector("input[name=rl_channel]:not([disabled])"); if (first) first.checked = true; }
  sync();
})();
