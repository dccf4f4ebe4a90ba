/* Signature pad: pointer events (touch, pen, mouse), undo, clear; strokes kept in CSS pixels. */
function SignaturePad(canvas, onChange) {
  var ctx = canvas.getContext("2d"), strokes = [], current = null, t0 = Date.now();
  var ratio = Math.min(window.devicePixelRatio || 1, 2);
  function paint(stroke) {
    ctx.beginPath();
    ctx.moveTo(stroke[0][0], stroke[0][1]);
    if (stroke.length === 1) ctx.lineTo(stroke[0][0] + 0.5, stroke[0][1] + 0.5);
    for (var i = 1; i < stroke.length; i++) ctx.lineTo(stroke[i][0], stroke[i][1]);
    ctx.stroke();
  }
  function redraw() {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.lineWidth = 2.6; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111827";
    strokes.forEach(paint);
  }
  function resize() {
    var box = canvas.getBoundingClientRect();
    canvas.width = Math.round(box.width * ratio);
    canvas.height = Math.round(box.height * ratio);
    redraw();
  }
  function point(e) {
    var box = canvas.getBoundingClientRect();
    return [Math.round((e.clientX - box.left) * 10) / 10, Math.round((e.clientY - box.top) * 10) / 10, Date.now() - t0];
  }
  canvas.style.touchAction = "none";
  canvas.addEventListener("pointerdown", function (e) {
    e.preventDefault();
    if (canvas.setPointerCapture) canvas.setPointerCapture(e.pointerId);
    current = [point(e)]; strokes.push(current); paint(current);
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!current) return;
    e.preventDefault();
    var events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    if (!events.length) events = [e];
    events.forEach(function (ev) { current.push(point(ev)); });
    var n = current.length;
    paint(current.slice(Math.max(0, n - events.length - 1)));
  });
  function end() { if (current) { current = null; onChange && onChange(); } }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  window.addEventListener("resize", resize);
  resize();
  return {
    strokes: function () { return strokes; },
    isEmpty: function () { return strokes.length === 0; },
    undo: function () { strokes.pop(); redraw(); onChange && onChange(); },
    clear: function () { strokes = []; redraw(); onChange && onChange(); },
    load: function (saved) { strokes = saved || []; redraw(); },
    png: function () { return canvas.toDataURL("image/png"); }
  };
}
