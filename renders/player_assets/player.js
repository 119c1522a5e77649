/* descent player: plays the recorded runs of one descent scene (see renders/player.py).
 * Plain DOM + canvas, no dependencies, nothing fetched. Every element with class
 * "descent-player" on the page becomes its own player; no ids, no globals besides
 * window.DescentPlayer (the constructor), so several players never interfere. */
(function () {
  "use strict";
  if (window.DescentPlayer) { window.DescentPlayer.initAll(); return; }

  function bytes(b64) {
    var s = atob(b64), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  var TYPES = { f4: Float32Array, u2: Uint16Array, i2: Int16Array, i4: Int32Array, u1: Uint8Array };
  /* the payload's arrays: one deflated buffer, inflated by the browser itself */
  function inflate(b64) {
    var stream = new Blob([bytes(b64)]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer();
  }
  /* one array of the buffer; stored as differences per column (ref.d columns): summed back */
  function view(buf, ref) {
    var a;
    if (ref.s) {  // bytes grouped by significance: interleaved back
      var size = TYPES[ref.t].BYTES_PER_ELEMENT, src = new Uint8Array(buf, ref.o, ref.n * size);
      var dst = new Uint8Array(ref.n * size);
      for (var b = 0; b < size; b++) for (var i0 = 0, o0 = b * ref.n; i0 < ref.n; i0++) dst[i0 * size + b] = src[o0 + i0];
      a = new TYPES[ref.t](dst.buffer);
    } else {
      a = new TYPES[ref.t](buf, ref.o, ref.n);
    }
    if (!ref.d) return a;
    var w = ref.d, out = new Float64Array(ref.n);
    for (var i = 0; i < ref.n; i++) out[i] = (i >= w ? out[i - w] : 0) + a[i];
    return out;
  }
  function el(tag, cls, parent, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  /* a number as descent's read-outs write it: 4 significant digits, a real minus sign */
  function num(v) {
    if (!isFinite(v)) return isNaN(v) ? "NaN" : (v > 0 ? "∞" : "−∞");
    var a = Math.abs(v), s;
    if (v !== 0 && (a >= 1e5 || a < 1e-3)) {
      s = v.toExponential(2).replace("e+", "e");
    } else {
      s = String(Number(v.toPrecision(4)));
    }
    return s.replace(/-/g, "−");
  }
  function vec(arr) {
    if (arr.length === 1) return num(arr[0]);
    return "(" + Array.prototype.map.call(arr, num).join(", ") + ")";
  }

  function Player(root) {
    this.root = root;
    var data = JSON.parse(root.querySelector("script.descent-data").textContent);
    this.data = data;
    this.t = 0;
    this.playing = false;
    this.speed = 1;
    this.trails = true;
    this.hidden = {};
    this.steps = data.steps;
    this.perSecond = Math.max(1, data.steps / (data.run_time || 6));
    this.pace = Player.paceOf(data);
    this.build();
    root.descent = this;
    root.dataset.ready = "0";
    var self = this;
    inflate(data.arrays).then(function (buf) {
      self.buf = buf;
      if (data.kind === "ratemap") self.initMap(); else self.initTracks();
      self.ready = true;
      self.seek(0);
      self.fit();  // the picture's size before the page is told the player is ready
      root.dataset.ready = "1";
      Player.reportHeight();
    }).catch(function (err) {
      self.say.textContent = "This browser cannot open the player's data: " + err;
      throw err;
    });
  }

  Player.prototype.build = function () {
    var d = this.data, self = this, root = this.root;
    root.tabIndex = 0;
    root.setAttribute("role", "application");
    root.setAttribute("aria-label", d.title + ": descent player");
    root.style.setProperty("--bg", d.theme.background);
    root.style.setProperty("--fg", d.theme.text);
    root.style.setProperty("--muted", d.theme.muted);
    // as wide as the window, up to its picture's own width (1280 px at least: a 1080p
    // projector gets a --quality high player's 1920-px picture at its size)
    root.style.setProperty("--dp-max-w", Math.max(1280, d.size[0]) + "px");
    var stage = el("div", "dp-stage", root);
    // the part of the frame shown (renders/player.py, _crop: the video's empty bands cut)
    var crop = this.crop = d.crop || [0, 0, d.size[0], d.size[1]], cw = crop[2] - crop[0], ch = crop[3] - crop[1];
    stage.style.aspectRatio = cw + " / " + ch;
    root.style.setProperty("--dp-aspect", String(cw / ch));
    // the frame's layers in a view that clips them to the crop (the legend and tooltips,
    // in the stage, are not clipped)
    var layers = stage;
    if (d.crop) { layers = el("div", "dp-view", stage); layers.style.cssText = "position:absolute;inset:0;overflow:hidden"; }
    var img = el("img", "dp-bg", layers);
    img.alt = d.title;
    img.src = d.image;
    // layers: the background image, the trails (drawn as the clock reaches each step), the
    // moving parts (redrawn each frame)
    var trailCanvas = el("canvas", "dp-trails", layers);
    var canvas = el("canvas", "dp-canvas", layers);
    if (d.crop) [img, trailCanvas, canvas].forEach(function (e) {  // the frame, shifted and scaled
      e.style.inset = "auto";
      e.style.left = (-100 * crop[0] / cw) + "%"; e.style.top = (-100 * crop[1] / ch) + "%";
      e.style.width = (100 * d.size[0] / cw) + "%"; e.style.height = (100 * d.size[1] / ch) + "%";
    });
    var dpr = Math.max(1, Math.min(window.devicePixelRatio || 1, 3));
    trailCanvas.width = canvas.width = Math.round(d.size[0] * dpr);
    trailCanvas.height = canvas.height = Math.round(d.size[1] * dpr);
    this.tctx = trailCanvas.getContext("2d");
    this.trailK = 0;
    this.dpr = dpr;
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.stage = stage;
    this.said = el("div", "dp-said", stage);  // the words the canvas writes now (player.css)
    this.tip = el("div", "dp-tip", stage);
    this.tip.hidden = true;
    this.side = el("div", "dp-side", stage);
    this.counter = el("div", "dp-counter", this.side);
    this.legend = el("div", "dp-legend", this.side);

    var bar = this.bar = el("div", "dp-bar", root);
    function button(label, title, fn) {
      var b = el("button", "dp-btn", bar, label);
      b.type = "button"; b.title = title; b.setAttribute("aria-label", title);
      b.addEventListener("click", function (e) { e.preventDefault(); fn(); root.focus({preventScroll: true}); });
      return b;
    }
    this.btnStart = button("⇤", "first step (Home)", function () { self.pause(); self.seek(0); });
    this.btnBack = button("‹", "step back (←)", function () { self.stepBy(-1); });
    this.btnPlay = button("▶", "play / pause (space)", function () { self.toggle(); });
    this.btnFwd = button("›", "step forward (→)", function () { self.stepBy(1); });
    this.btnEnd = button("⇥", "last step (End)", function () { self.pause(); self.seek(self.steps); });
    var track = el("div", "dp-scrub", bar);
    this.range = el("input", "dp-range", track);
    this.range.type = "range"; this.range.min = 0; this.range.max = this.steps; this.range.step = "any";
    this.range.setAttribute("aria-label", "step");
    // the scrubber lands on whole steps: the picture is the step the counter shows
    this.range.addEventListener("input", function () { self.pause(); self.seek(Math.round(parseFloat(self.range.value))); });
    this.marks = el("div", "dp-marks", track);
    var speed = el("select", "dp-speed", bar);
    speed.setAttribute("aria-label", "speed");
    [0.25, 0.5, 1, 2, 4].forEach(function (s) {
      var o = el("option", null, speed, s + "×"); o.value = s; if (s === 1) o.selected = true;
    });
    // the keys go back to the player once a speed is chosen: → steps again, not the menu
    speed.addEventListener("change", function () { self.speed = parseFloat(speed.value); root.focus({ preventScroll: true }); });
    this.speedSelect = speed;
    var lab = el("label", "dp-check", bar);
    var cb = el("input", null, lab); cb.type = "checkbox"; cb.checked = true;
    el("span", null, lab, "trails");
    cb.addEventListener("change", function () { self.trails = cb.checked; self.trailDirty = true; self.draw(); });
    this.trailBox = cb;
    this.arrowsOn = true;
    var lab2 = el("label", "dp-check dp-arrows", bar);
    var cb2 = el("input", null, lab2); cb2.type = "checkbox"; cb2.checked = true;
    el("span", null, lab2, "arrows");
    cb2.addEventListener("change", function () { self.arrowsOn = cb2.checked; self.draw(); self.writeSaid(Math.round(self.t)); });
    this.arrowBox = lab2;
    this.chapters = el("div", "dp-chapters", root);
    this.say = el("div", "dp-say", root);
    (d.captions || []).forEach(function (c) { el("div", "dp-caption", root, c); });

    root.addEventListener("keydown", function (e) {
      var k = e.key;
      if (e.target && e.target.tagName === "SELECT") return;
      if (k === " " || k === "Spacebar") { self.toggle(); }
      else if (k === "ArrowLeft") { self.stepBy(-1); }
      else if (k === "ArrowRight") { self.stepBy(1); }
      else if (k === "Home") { self.pause(); self.seek(0); }
      else if (k === "End") { self.pause(); self.seek(self.steps); }
      else return;
      e.preventDefault();
    });
    // after a button (legend row, chapter, control), the keys go back to the player
    root.addEventListener("click", function (e) {
      if (e.target && e.target.closest && e.target.closest("button")) root.focus({ preventScroll: true });
    });
    // the picture takes the height the rest leaves: measured again whenever the rest changes
    // (narration of another length, a legend's rows wrapping, the window resized)
    // (after the read-outs and the narration change, in the next frame; no ResizeObserver on
    // the player: WebKit reports a "Script error." for the loop it sees there)
    window.addEventListener("resize", function () { self.fitSoon(); });
    canvas.addEventListener("mousemove", function (e) { self.hover(e); });
    canvas.addEventListener("mouseleave", function () { self.tip.hidden = true; if (self.hoverAt) { self.hoverAt = null; self.draw(); } });
    canvas.addEventListener("click", function (e) { self.click(e); });
  };

  /* a frame's px as a percentage of the picture shown (the crop) */
  Player.prototype.cropX = function (x) { var c = this.crop; return 100 * (x - c[0]) / (c[2] - c[0]); };
  Player.prototype.cropY = function (y) { var c = this.crop; return 100 * (y - c[1]) / (c[3] - c[1]); };

  /* the height of everything but the picture (controls, chapters, narration, the legend under
   * it, the player's margin) as --dp-chrome: the stylesheet gives the picture what is left of
   * the viewport (--dp-vh: the page's visible height, where the player is in a frame), so
   * that the whole player is on screen (player.css, .dp-stage), down to a picture --dp-min-h
   * tall. A legend and loss chart with no free side in the picture (.dp-main) go beside it
   * (.dp-beside) or under it, whichever leaves the picture wider (a short, wide screen:
   * beside, so that they do not push the controls down) */
  Player.prototype.fit = function () {
    if (this.map) this.placeMapReadout();
    this.spreadMarks();
    var root = this.root, cl = root.classList, main = this.main || this.stage, side = this.side, stage = this.stage;
    if (this.data.side && this.main) {
      // the panel in the picture's free side, unless its 14-px text runs out of the picture
      // there (a short screen's small picture): then beside or under it, as a panel with no
      // free side (tried again at each fit, in the picture at its present size)
      if (side.parentNode !== stage) {
        stage.appendChild(side); side.classList.remove("dp-below"); cl.remove("dp-beside");
        // tried in the picture at the size it has with the panel inside (not the smaller one
        // the panel out of it left: a first fit before the page settled kept it out for good)
        if (this.chromeInside) { this.chrome = this.chromeInside; root.style.setProperty("--dp-chrome", this.chromeInside + "px"); }
      }
      if (side.getBoundingClientRect().bottom > stage.getBoundingClientRect().bottom + 1) { main.appendChild(side); side.classList.add("dp-below"); }
    }
    var cs = getComputedStyle(root), px = function (k) { return parseFloat(cs.getPropertyValue(k)) || 0; };
    var out = this.main && side.parentNode !== stage, after = out && side.parentNode === root;
    var chrome = Math.ceil(root.getBoundingClientRect().height - main.getBoundingClientRect().height -
      (after ? side.offsetHeight : 0) + px("margin-top") + px("margin-bottom")) + 1;
    if (out) {
      var beside = cl.contains("dp-beside"), vh = px("--dp-vh") || innerHeight, least = px("--dp-min-h"), w = root.clientWidth;
      if (!beside) this.sideBelow = side.offsetHeight;
      // beside or under the picture, whichever leaves the picture wider (316: the panel
      // beside it, 22em of 14 px, and the gap: player.css)
      var a = px("--dp-aspect") || 16 / 9, below = this.sideBelow || 0;
      beside = Math.min(w - 316, Math.max(least, vh - chrome) * a) > Math.min(w, Math.max(least, vh - chrome - below) * a);
      cl.toggle("dp-beside", beside);
      // under the picture, unless that leaves the picture less than --dp-min-h: then under
      // the controls, which stay right under the picture (a very short screen)
      var low = !beside && vh - chrome - below < least;
      if (low && side.previousSibling !== this.bar) root.insertBefore(side, this.bar.nextSibling);
      else if (!low && side.parentNode !== main) main.appendChild(side);
      root.dataset.side = beside ? "beside" : low ? "after" : "below";
      if (!beside) chrome += below;
    } else if (this.main) { cl.remove("dp-beside"); root.dataset.side = "inside"; this.chromeInside = chrome; }
    if (chrome !== this.chrome) { this.chrome = chrome; root.style.setProperty("--dp-chrome", chrome + "px"); }
    // the loss chart drawn again at each fit: its room changes with the picture's size and
    // place, and its bitmap is its box's, never a stretched one
    if (this.chart && this.ready) this.drawChart();
  };

  /* the rate map's read-out sits under the inset where the video writes it, in the room
   * down to the picture's next words (plain SGD's note: renders/player.py, _readout_room);
   * where the player is too narrow for its 14-px text to fit there, under the picture */
  Player.prototype.placeMapReadout = function () {
    var room = this.data.map.room, side = this.side, stage = this.stage;
    if (!room) return;
    if (side.parentNode !== stage) { stage.appendChild(side); side.classList.remove("dp-below"); }
    var k = stage.clientWidth / this.data.size[0];
    if (side.offsetHeight > (room[3] - room[1]) * k - 2) {
      side.classList.add("dp-below");
      this.root.insertBefore(side, stage.nextSibling);
    }
    this.root.dataset.readout = side.parentNode === stage ? "inset" : "below";
  };

  Player.prototype.fitSoon = function () {
    var self = this;
    if (this.fitPending) return;
    this.fitPending = true;
    requestAnimationFrame(function () { self.fitPending = false; self.fit(); });
  };

  /* ----- time ----- */
  Player.prototype.seek = function (t) {
    if (!this.ready) return;
    this.t = Math.max(0, Math.min(this.steps, t));
    this.range.value = this.t;
    this.root.dataset.step = String(Math.round(this.t * 1000) / 1000);
    this.draw();
    // while playing, the read-outs (text, the loss chart) change only with the step shown
    var k = Math.round(this.t);
    // (and when the clock reaches a chapter's step inside the step shown: 24.6 and 25.0 are
    // both "step 25", and the chapter starts at 25.0, where the video holds its narration)
    var c = this.chapterAt(this.t);
    if (!this.playing || k !== this.shownStep || c !== this.shownChapter) {
      this.shownStep = k; this.shownChapter = c; this.readouts(); this.fitSoon();
    }
  };
  /* the index of the last chapter whose step the clock has reached (-1: none) */
  Player.prototype.chapterAt = function (t) {
    var beats = this.data.beats || [], shown = -1;
    for (var i = 0; i < beats.length; i++) if (beats[i].step <= t + 1e-9) shown = i;
    return shown;
  };
  Player.prototype.stepBy = function (k) {
    this.pause();
    // from the step shown (the counter's), not the clock's
    this.seek(Math.round(this.t) + k);
  };
  /* the video's clock (renders/player.py, video_pace): knots of (second of the video, step),
   * linear between; a hold is two knots at one step. Without one (an old payload), the steps
   * go at the scene's run_time, evenly. */
  Player.paceOf = function (data) {
    var p = data.pace;
    if (p && p.time && p.time.length > 1 && p.time.length === p.step.length) return { time: p.time, step: p.step };
    var n = Math.max(1, data.steps || 1);
    return { time: [0, n / Math.max(1, n / (data.run_time || 6))], step: [0, n] };
  };
  /* the step on screen at second vt of the video */
  Player.prototype.stepAtTime = function (vt) {
    var T = this.pace.time, S = this.pace.step, n = T.length;
    if (vt <= T[0]) return S[0];
    if (vt >= T[n - 1]) return S[n - 1];
    var lo = 0, hi = n - 1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (T[mid] <= vt) lo = mid; else hi = mid; }
    var dt = T[hi] - T[lo];
    return dt > 0 ? S[lo] + (S[hi] - S[lo]) * (vt - T[lo]) / dt : S[hi];
  };
  /* the first second of the video at which step t is on screen (a hold there: its start, so
   * that playing from a chapter's step holds its narration as the video does) */
  Player.prototype.timeAtStep = function (t) {
    var T = this.pace.time, S = this.pace.step;
    if (t <= S[0]) return T[0];
    for (var i = 1; i < T.length; i++) {
      if (S[i] >= t - 1e-9 && S[i - 1] < t - 1e-9) {
        return T[i - 1] + (T[i] - T[i - 1]) * (t - S[i - 1]) / (S[i] - S[i - 1]);
      }
    }
    return T[T.length - 1];
  };
  /* the seconds the video holds step t (0 where it does not stop there) */
  Player.prototype.holdAt = function (t) {
    var T = this.pace.time, S = this.pace.step, held = 0;
    for (var i = 1; i < T.length; i++) if (S[i] === t && S[i - 1] === t) held += T[i] - T[i - 1];
    return held;
  };
  /* the video's length at 1× (s): the pace's last knot, the scene's final hold included */
  Player.prototype.duration = function () { return this.pace.time[this.pace.time.length - 1]; };
  Player.prototype.play = function () {
    if (this.playing) return;
    if (this.t >= this.steps && (this.vt === null || this.vt === undefined || this.vtAt !== this.t || this.vt >= this.duration())) this.seek(0);
    this.playing = true;
    this.root.dataset.playing = "1";
    this.btnPlay.textContent = "❚❚";
    // the video's second: kept across a pause (in a hold the rest of the hold plays), else
    // the first second the shown step is on screen
    if (this.vt === null || this.vt === undefined || this.vtAt !== this.t) this.vt = this.timeAtStep(this.t);
    var self = this, last = null;
    function frame(now) {
      if (!self.playing) return;
      if (last !== null) {
        self.vt += (now - last) / 1000 * self.speed;
        var end = self.vt >= self.duration();
        var t = end ? self.steps : Math.min(self.stepAtTime(self.vt), self.steps);
        // an opening's step held (NesterovCorrection's anatomy): its states in turn, by the
        // video's seconds spent at the step so far (openingAt)
        var os = Math.round(t);
        self.holdOpening = self.data.opening && Math.abs(t - os) < 1e-9
          ? { step: os, start: now - 1000 * (self.vt - self.timeAtStep(os)) / self.speed, hold: self.holdAt(os) } : null;
        self.seek(t);
        self.vtAt = self.t;
        if (end) { self.pause(); return; }
      }
      last = now;
      self.raf = requestAnimationFrame(frame);
    }
    this.raf = requestAnimationFrame(frame);
  };
  Player.prototype.pause = function () {
    // the picture stays at the step the counter shows (the clock between two steps would
    // draw 16.52 under "step 17"): a pause snaps to the nearest step
    var was = this.playing;
    this.playing = false;
    if (was && this.ready && this.t !== Math.round(this.t)) this.seek(Math.round(this.t));
    this.root.dataset.playing = "0";
    this.btnPlay.textContent = "▶";
    if (this.raf) cancelAnimationFrame(this.raf);
  };
  /* a pause by hand lands on the step shown: the dots on its recorded points, the counter's */
  Player.prototype.toggle = function () {
    if (!this.playing) this.play(); else { this.pause(); this.seek(Math.round(this.t)); }
  };

  /* ----- beats ----- */
  Player.prototype.initBeats = function (onPick) {
    var self = this, beats = this.data.beats || [];
    this.beatEls = [];
    beats.forEach(function (b, i) {
      var m = el("button", "dp-mark", self.marks);
      m.type = "button";
      m.title = b.name + (b.say ? ": " + b.say : "");
      m.setAttribute("aria-label", "chapter " + (i + 1) + ": " + b.name);
      m.style.left = (100 * Math.min(b.step, self.steps) / self.steps) + "%";
      m.dataset.at = String(Math.min(b.step, self.steps) / self.steps);
      m.addEventListener("click", function (e) { e.preventDefault(); onPick(b, i); });
      var c = el("button", "dp-chapter", self.chapters, (i + 1) + " " + b.name);
      c.type = "button";
      c.addEventListener("click", function (e) { e.preventDefault(); onPick(b, i); });
      self.beatEls.push(c);
    });
  };
  /* chapter marks closer than a mark's width (steps 0 and 1 of a short run, or a narrow
   * frame) are moved apart, in order, so that each can be clicked; each keeps its step in
   * its title */
  Player.prototype.spreadMarks = function () {
    var marks = this.marks ? this.marks.querySelectorAll(".dp-mark") : [], w = this.marks ? this.marks.clientWidth : 0;
    if (!marks.length || !w || w === this.marksWidth) return;  // laid out for this width
    this.marksWidth = w;
    var gap = 12, xs = Array.prototype.map.call(marks, function (m) { return parseFloat(m.dataset.at) * w; });
    for (var i = 1; i < xs.length; i++) xs[i] = Math.max(xs[i], xs[i - 1] + gap);
    for (i = xs.length - 1; i >= 0; i--) {
      xs[i] = Math.min(xs[i], i === xs.length - 1 ? w : xs[i + 1] - gap);
      if (i === 0) xs[i] = Math.max(xs[i], 0);
    }
    for (i = 0; i < marks.length; i++) marks[i].style.left = xs[i].toFixed(1) + "px";
  };

  Player.prototype.showBeat = function (k) {
    var beats = this.data.beats || [];
    if (k === this.beatShown) return;
    this.beatShown = k;
    this.say.textContent = k >= 0 ? beats[k].say : "";
    this.beatEls.forEach(function (c, i) { c.classList.toggle("dp-on", i === k); });
  };

  /* ----- tracks ----- */
  Player.prototype.initTracks = function () {
    var self = this, d = this.data, buf = this.buf, probe = this.ctx, firstOf = {};
    d.runs.forEach(function (r) {  // what a legend row's runs share is written on its first (player.py, _once_a_row)
      var f = firstOf[r.group];
      if (!f) firstOf[r.group] = r; else (f.same || []).forEach(function (k) { r[k] = f[k]; });
    });
    this.runs = d.runs.map(function (r, index) {
      var q = view(buf, r.xy), xy = new Float32Array(q.length);
      for (var i = 0; i < q.length; i++) xy[i] = q[i] / r.scale;
      var run = { src: r, index: index, xy: xy, out: view(buf, r.out), n: r.n, color: r.color, group: r.group };
      if (r.loss) { run.loss = view(buf, r.loss); run.grad = view(buf, r.grad); run.lr = view(buf, r.lr); }
      if (r.series) run.series = view(buf, r.series);
      if (r.legend) run.legend = new TextDecoder().decode(view(buf, r.legend)).split("\n");  // the video's legend read-out, per step
      if (r.panel_y) { run.panelY = view(buf, r.panel_y); run.panelMark = view(buf, r.panel_mark); }
      if (r.plane) { run.plane = view(buf, r.plane); run.off = view(buf, r.off); }
      if (r.marks) {  // the edge pin and the stop's note, per step (player.py, _edge_marks)
        var mk = r.marks;
        run.marks = { pin: view(buf, mk.pin), arrow: view(buf, mk.arrow), tag: view(buf, mk.tag), note: view(buf, mk.note), at: view(buf, mk.at) };
      }
      if (r.color_at) run.colorAt = view(buf, r.color_at);  // the dot's colour at each step
      // a 3-D scene: the steps whose ball the surface hides, the trail pieces it hides
      if (r.hid) { run.hid = view(buf, r.hid); run.seg = view(buf, r.seg); }
      if (r.path) {  // the trail as the video draws it on the surface (player.py, _projected)
        var pq = view(buf, r.path);
        run.path = new Float32Array(pq.length);
        for (var pi = 0; pi < pq.length; pi++) run.path[pi] = pq[pi] / 16;
        run.pathAt = view(buf, r.path_at); run.pathHid = view(buf, r.path_hid);
        if (r.ball) {  // the ball's points between steps, on the surface
          var bq = view(buf, r.ball);
          run.ball = new Float32Array(bq.length);
          for (var bi = 0; bi < bq.length; bi++) run.ball[bi] = bq[bi] / 16;
        }
      }
      // the video's arrows per step (player.py, _arrows): start relative to the dot, vector,
      // tip length; the true length written by a short or clipped one
      run.arrows = (r.arrows || []).map(function (a) {
        var out = { name: a.name, color: a.color, at: view(buf, a.at) };
        if (a.words) {
          out.said = view(buf, a.said); out.saidAt = view(buf, a.said_at);
          probe.font = "100px 'DejaVu Sans', sans-serif";
          out.font = (100 * a.width / (probe.measureText(a.words[a.probe]).width || 1)).toFixed(2) + "px 'DejaVu Sans', sans-serif";
        }
        return out;
      });
      if (r.ghost) {
        var gq = view(buf, r.ghost);
        run.ghost = new Float32Array(gq.length);
        for (var gi = 0; gi < gq.length; gi++) run.ghost[gi] = gq[gi] / 16;
      }
      if (r.terms) {
        run.terms = r.terms; run.termValues = view(buf, r.terms.values); run.termHyper = view(buf, r.terms.hypers);
      }
      return run;
    });
    // a narrated opening before the steps (player.py, _opening): its pictures, loaded once
    if (d.opening) {
      this.openingImgs = d.opening.images.map(function (uri) {
        var im = new Image();
        im.onload = function () { if (self.ready) self.draw(); };
        im.src = uri;
        return im;
      });
    }
    // the video's drawing order, bottom first (player.py, _draw_order)
    if (d.order) this.ordered = d.order.map(function (i) { return self.runs[i]; });
    // the models drawn beside the runs (fitted lines, curves, decision boundaries): per step
    // a set of polylines in px (renders/player.py, _models)
    // the dots the video moves beside the runs (a loss panel's marker): per step a centre
    // in px (player.py, _spots), on the straight line between steps
    this.spots = (d.spots || []).map(function (m) {
      var q = view(buf, m.xy), xy = new Float32Array(q.length);
      for (var i = 0; i < q.length; i++) xy[i] = q[i] / m.scale;
      return { src: m, xy: xy, n: q.length / 2 };
    });
    this.models = (d.models || []).map(function (m) {
      var q = view(buf, m.xy), xy = new Float32Array(q.length);
      for (var i = 0; i < q.length; i++) xy[i] = q[i] / m.scale;
      var model = { src: m, xy: xy, frames: [] };
      if (m.lerp) {  // the same polylines at every step: points = Σ lines, step after step
        var per = m.lines.reduce(function (a, b) { return a + b; }, 0), steps = xy.length / (2 * per);
        for (var t = 0; t < steps; t++) {
          var lines = [], o = 2 * per * t;
          m.lines.forEach(function (n) { lines.push([o, n]); o += 2 * n; });
          model.frames.push(lines);
        }
      } else {
        var counts = view(buf, m.counts), lengths = view(buf, m.lengths), at = 0, li = 0;
        for (var f = 0; f < counts.length; f++) {
          var ls = [];
          for (var c = 0; c < counts[f]; c++) { ls.push([at, lengths[li]]); at += 2 * lengths[li]; li++; }
          model.frames.push(ls);
        }
      }
      return model;
    });
    // the read-outs the video writes in the picture, each step's string (player.py, _live_texts),
    // in a font sized so that the first string is as wide as the video's
    this.liveTexts = (d.texts || []).map(function (x) {
      probe.font = "100px 'DejaVu Sans', sans-serif";
      var texts = x.lines ? new TextDecoder().decode(view(buf, x.lines)).split("\n") : x.texts;
      var w = probe.measureText(texts[x.probe !== undefined ? x.probe : view(buf, x.index)[0]]).width || 1;
      return { src: x, texts: texts, index: view(buf, x.index), font: (100 * x.width / w).toFixed(2) + "px 'DejaVu Sans', sans-serif" };
    });
    // legend: one row per group
    var groups = [], seen = {};
    this.runs.forEach(function (r) {
      if (!(r.group in seen)) { seen[r.group] = groups.length; groups.push({ id: r.group, name: r.src.group_name, color: r.color, runs: [] }); }
      groups[seen[r.group]].runs.push(r);
    });
    var tiles = groups.length > 12;
    this.groups = tiles ? [] : groups;
    this.groups.forEach(function (g) {
      var row = el("button", "dp-row", self.legend);
      row.type = "button";
      row.setAttribute("aria-pressed", "true");
      row.title = "show / hide " + g.name;
      var sw = el("span", "dp-swatch", row); sw.style.background = self.swatch(g);
      el("span", "dp-name", row, g.name);
      g.value = el("span", "dp-value", row);
      g.row = row;
      row.addEventListener("click", function (e) {
        e.preventDefault();
        self.hidden[g.id] = !self.hidden[g.id];
        row.setAttribute("aria-pressed", self.hidden[g.id] ? "false" : "true");
        row.classList.toggle("dp-off", !!self.hidden[g.id]);
        self.trailDirty = true;
        self.draw();
        self.readouts();  // the chart's curves and the rule of the runs shown, too
      });
    });
    this.tiles = tiles;
    if (tiles) {  // small multiples: the tiles are the legend; hover one for its numbers
      el("div", "dp-mapinfo", this.legend, "hover a tile: its run's numbers at this step");
    }
    // the side panel right of the plots where the picture is empty there, else under it
    // the picture and, where it leaves the panel no room, the panel beside or under it
    // (fit: .dp-beside where the player is wide or the screen short, else under it)
    var main = this.main = el("div", "dp-main");
    this.root.insertBefore(main, this.stage);
    main.appendChild(this.stage);
    if (d.side) {
      this.side.style.left = this.cropX(d.side[0]) + "%";
      this.side.style.top = this.cropY(d.side[1]) + "%";
      this.side.style.right = "2%";
    } else {
      main.appendChild(this.side);
      this.side.classList.add("dp-below");
    }
    if (d.live_rule !== undefined && d.live_rule !== null) {  // the scene shows its rule live
      this.ruleBox = el("div", "dp-rule", this.side);
      this.ruleBox.style.borderColor = this.runs[d.live_rule].color;
      if (d.rule) this.initRule(d.rule);
    }
    // the loss against the step, each single run one line (log scale when every loss is positive)
    var single = this.groups.filter(function (g) { return g.runs.length === 1 && g.runs[0].series; });
    if (single.length && d.panel && !this.ruleBox) {
      var panel = el("div", "dp-panel", this.side);
      // the video's axis label: log₁₀ or symlog as its panel is drawn (kit.readouts.LossPanel)
      var sc = d.panel.scale, name = sc === "log" ? "log₁₀ " + d.panel.label : sc === "symlog" ? d.panel.label + " (symlog)" : d.panel.label;
      el("div", "dp-panel-label", panel, d.panel.y ? name : d.panel.label);
      this.chart = el("canvas", "dp-chart", panel);
      this.chartRuns = single.map(function (g) { return g.runs[0]; });
    }
    this.arrowBox.hidden = !this.runs.some(function (r) { return r.arrows.length || r.ghost || r.marks; });
    // no run leaves a trail (MuonVsAdamW's bars): no switch that changes nothing
    this.trailBox.parentNode.hidden = !this.runs.some(function (r) { return r.src.trail; });
    this.initBeats(function (b) { self.pause(); self.seek(b.step); });
  };

  /* position of run r at fractional step s (as Manim's Track.point_at) */
  Player.prototype.pointAt = function (r, s) { return this.pointInto(r, s, [0, 0]); };

  /* position of run r at fractional step s, written into out (no allocation per frame) */
  Player.prototype.pointInto = function (r, s, out) {
    var last = r.n - 1, i = Math.min(Math.max(Math.floor(s), 0), last), j = Math.min(i + 1, last), f = s - i;
    if (s >= last) { i = j = last; f = 0; }
    if (r.ball && f > 0) {  // a 3-D ball rolls over the surface's samples (player.py, _ball_samples)
      var b = r.ball, a0 = r.pathAt[i], si = a0 + f * (r.pathAt[j] - a0), m = Math.floor(si), g = si - m;
      var m1 = Math.min(m + 1, b.length / 2 - 1);
      out[0] = (1 - g) * b[2 * m] + g * b[2 * m1]; out[1] = (1 - g) * b[2 * m + 1] + g * b[2 * m1 + 1];
      return out;
    }
    var x0 = r.xy[2 * i], y0 = r.xy[2 * i + 1], x1 = r.xy[2 * j], y1 = r.xy[2 * j + 1];
    if (r.out[i] && r.out[j]) { out[0] = f >= 0.5 ? x1 : x0; out[1] = f >= 0.5 ? y1 : y0; }
    else { out[0] = (1 - f) * x0 + f * x1; out[1] = (1 - f) * y0 + f * y1; }
    return out;
  };

  /* the runs by colour (one path, one fill or stroke per colour), in first-seen order */
  Player.prototype.colourBatches = function () {
    if (this.batches) return this.batches;
    var seen = {}, out = [];
    (this.ordered || this.runs).forEach(function (r) {  // in the video's drawing order
      if (!(r.color in seen)) { seen[r.color] = out.length; out.push({ color: r.color, runs: [] }); }
      out[seen[r.color]].runs.push(r);
    });
    return (this.batches = out);
  };

  /* Python's round (half to even), as the video's trail cuts use it (kit.tracks.Track) */
  function roundEven(x) {
    var f = Math.floor(x), d = x - f;
    if (Math.abs(d - 0.5) < 1e-9) return f % 2 === 0 ? f : f + 1;
    return Math.round(x);
  }

  /* the trail's tiers, oldest first: [stroke width (Manim's), opacity] (player.py,
   * _trail_tiers); a run without any (a 3-D ball's trail) one flat tier */
  Player.prototype.tiersOf = function (r) {
    return r.src.tiers || this.data.tiers || [[3.6, 0.85]];
  };

  /* the tier of each piece of run r's trail while the clock is at step n (kit.tracks.Track.
   * update_to: the points of steps 0…n and the dot, cut into len(tiers) parts at
   * round(j·last/tiers), last = n + 1): cuts[j] ≤ piece < cuts[j + 1] is in tier j */
  Player.prototype.trailCuts = function (r, n) {
    var T = this.tiersOf(r).length, last = Math.min(n, r.n - 1) + 1, cuts = [];
    for (var j = 0; j <= T; j++) cuts.push(roundEven(j * last / T));
    return cuts;
  };

  /* the opening's state shown at step t: while playing holds a step, the one the video shows
   * after as many seconds there; paused at a step, the last that adds to what the step starts
   * with (the last run's anatomy); between steps, the last one of the step before */
  Player.prototype.openingAt = function (t) {
    var S = this.data.opening ? this.data.opening.states : [], at = [], before = null, i;
    for (i = 0; i < S.length; i++) { if (S[i].step === t) at.push(S[i]); else if (S[i].step < t) before = S[i]; }
    var h = this.holdOpening;
    if (at.length && h && h.step === t && this.playing) {
      // the states in turn over the video's hold at the step (their own seconds, scaled to it)
      var clock = (performance.now() - h.start) / 1000 * this.speed, all = 0;
      for (i = 0; i < at.length; i++) all += at[i].seconds;
      if (h.hold > 0 && all > 0) clock *= all / h.hold;
      for (i = 0; i < at.length; i++) { clock -= at[i].seconds; if (clock < 0) return at[i]; }
      return at[at.length - 1];
    }
    if (at.length) {  // the last that adds to what the step starts with (its last run's anatomy)
      var best = at[0];
      at.forEach(function (st) { if (st.image !== undefined && st.image !== at[0].image) best = st; });
      return best;
    }
    return before;
  };

  /* the beat whose ring and dimming are shown at step t (kit.story.Emphasis: while the
   * beat's narration covers the step, as the ring), or null */
  Player.prototype.beatAt = function (t) {
    var shown = null, beats = this.data.beats || [];
    for (var i = 0; i < beats.length; i++) if (beats[i].step <= t + 1e-9) shown = beats[i];
    return shown && t <= shown.until + 1e-9 ? shown : null;
  };

  /* 1 for each run the beat shown at step t dims (player.py, _beat_dims), as a string key */
  Player.prototype.dimAt = function (t) {
    var b = this.beatAt(t), key = b && b.dim ? b.dim.join(";") : "";
    if (key === this.dimKey) return this.dimmed;
    var out = this.dimmed = new Uint8Array(this.runs.length);
    if (b && b.dim) b.dim.forEach(function (ab) { for (var i = ab[0]; i <= ab[1] && i < out.length; i++) out[i] = 1; });
    this.dimKey = key;
    this.trailDirty = true;  // a dimmed run's trail is redrawn dimmer
    return out;
  };

  /* more trails than a sweep's 8 × 8 tiles: a crowd (no built-in scene draws one) */
  var CROWD_TRAILS = 64;

  /* the tier run r's piece of step k (to step k + 1) is in while the clock is at step n */
  Player.prototype.tierOf = function (r, k, n) {
    var ts = this.tiersOf(r), tier = ts.length - 1;
    if (this.crowd) return tier;
    var cuts = this.trailCuts(r, n);
    while (tier > 0 && cuts[tier] > k) tier--;
    return tier;
  };

  /* the trails' own canvas under the dots: the pieces of the steps reached, each in its tier
   * (older ones thinner and dimmer, as the video's), redrawn when the clock reaches another
   * step (the tiers' cuts move with it), when a run is shown, hidden or dimmed. A crowd's
   * trails (more than CROWD_TRAILS runs: redrawing them every step would take more than a
   * frame) are drawn once, as the clock reaches each step, in the newest tier's style */
  Player.prototype.drawTrails = function (t, unit) {
    var g = this.tctx, d = this.data, k = Math.floor(t), self = this;
    if (!this.trails || this.trailDirty || k < this.trailK || (!this.crowd && k !== this.trailK)) {
      g.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
      g.clearRect(0, 0, d.size[0], d.size[1]);
      this.trailK = -1;
      this.trailDirty = false;
      this.crowd = this.runs.filter(function (r) { return r.src.trail; }).length > CROWD_TRAILS;
      if (!this.trails) return;
    }
    if (k === this.trailK) return;
    var from = this.crowd ? Math.max(this.trailK, 0) : 0;
    var dim = this.dimmed, e = d.emphasis || {}, fade = e.trail ? e.dim : 1;
    g.lineJoin = "round"; g.lineCap = "round";
    var tiers = 0;
    this.runs.forEach(function (r) { tiers = Math.max(tiers, self.tiersOf(r).length); });
    this.colourBatches().forEach(function (b) {  // each colour's tiers, oldest first
      for (var j = self.crowd ? tiers - 1 : 0; j < tiers; j++) {  // a crowd: the newest only
        for (var pass = 0; pass < 2; pass++) {  // the runs as they are, then the dimmed ones
          var style = null;
          g.beginPath();
          for (var q = 0; q < b.runs.length; q++) {
            var r = b.runs[q];
            if (!r.src.trail || self.hidden[r.group] || (dim && dim[r.index] ? 1 : 0) !== pass) continue;
            var ts = self.tiersOf(r);
            if (j >= ts.length) continue;
            var i1 = Math.min(k, r.n - 1);
            if (i1 < 1) continue;
            if (r.path) {  // its points on the surface up to step i1, hidden pieces left out
              var p1 = r.pathAt[i1];
              g.moveTo(r.path[0], r.path[1]);
              for (var pj = 1; pj <= p1; pj++) {
                if (r.pathHid[pj - 1]) g.moveTo(r.path[2 * pj], r.path[2 * pj + 1]);
                else g.lineTo(r.path[2 * pj], r.path[2 * pj + 1]);
              }
              style = style || ts[j];
              continue;
            }
            // the recorded pieces i → i + 1 (i < i1) of tier j; the piece to the dot: draw()
            var cuts = self.crowd ? null : self.trailCuts(r, k);
            if (self.crowd) { cuts = []; for (var c = 0; c < ts.length; c++) cuts.push(from); cuts.push(i1); }
            var i0 = Math.max(cuts[j], from), ie = Math.min(cuts[j + 1], i1);
            if (ie <= i0) continue;
            g.moveTo(r.xy[2 * i0], r.xy[2 * i0 + 1]);
            for (var i = i0 + 1; i <= ie; i++) {
              if (r.seg && r.seg[i - 1]) g.moveTo(r.xy[2 * i], r.xy[2 * i + 1]);
              else g.lineTo(r.xy[2 * i], r.xy[2 * i + 1]);
            }
            style = style || ts[j];
          }
          if (style) {
            g.globalAlpha = style[1] * (pass ? fade : 1);
            g.lineWidth = style[0] * unit; g.strokeStyle = b.color; g.stroke();
          }
        }
      }
    });
    g.globalAlpha = 1;
    this.trailK = k;
  };

  /* the models at fractional step t: the nearest step's polylines, or (a fitted curve: the
   * video interpolates it) each point between its two steps */
  Player.prototype.drawModels = function (t, unit) {
    var ctx = this.ctx, hidden = this.hidden;
    for (var q = 0; q < this.models.length; q++) {
      var m = this.models[q], src = m.src, last = m.frames.length - 1;
      if (last < 0 || (src.group !== null && hidden[src.group])) continue;
      var s = Math.min(Math.max(t, 0), last), xy = m.xy;
      var i = src.lerp || src.mode === "floor" ? Math.floor(s) : Math.round(s), j = Math.min(i + 1, last), f = src.lerp ? s - i : 0;
      var a = m.frames[i], b = src.lerp ? m.frames[j] : a;
      ctx.beginPath();
      for (var l = 0; l < a.length; l++) {
        var oa = a[l][0], ob = b[l][0], n = a[l][1];
        for (var k = 0; k < n; k++) {
          var x = (1 - f) * xy[oa + 2 * k] + f * xy[ob + 2 * k], y = (1 - f) * xy[oa + 2 * k + 1] + f * xy[ob + 2 * k + 1];
          if (k) ctx.lineTo(x, y); else ctx.moveTo(x, y);
        }
      }
      if (src.fill) { ctx.globalAlpha = src.fill; ctx.fillStyle = src.fill_color; ctx.fill(); ctx.globalAlpha = 1; }
      ctx.strokeStyle = src.color; ctx.lineWidth = src.width * unit; ctx.lineJoin = "round"; ctx.lineCap = "round";
      ctx.stroke();
    }
  };

  Player.prototype.draw = function () {
    var ctx = this.ctx, d = this.data;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, d.size[0], d.size[1]);
    if (d.kind === "ratemap") { this.drawMap(); return; }
    var unit = d.size[0] / 1422.2; // Manim's stroke width 1 in px (0.01 scene units)
    // the runs bottom first, as the scene layers its tracks (player.py: order)
    var self = this, t = this.t, light = d.theme.name === "light", runs = this.ordered || this.runs, hidden = this.hidden;
    var here = this.scratch || (this.scratch = [0, 0]), r, q, k, i;
    var dim = this.dimAt(t), fade = (d.emphasis || {}).dim || 1, fadeText = (d.emphasis || {}).text || 1;
    var fadeTrail = (d.emphasis || {}).trail ? fade : 1;  // a 3-D ball's trail is not the ball
    var veiled = this.beatAt(t);
    if (veiled && veiled.veil) {  // a still dot of the background, dimmed (player.py, _veil)
      ctx.globalAlpha = 1 - fade; ctx.fillStyle = d.theme.background;
      veiled.veil.forEach(function (v) { ctx.beginPath(); ctx.arc(v[0], v[1], v[2], 0, 2 * Math.PI); ctx.fill(); });
      ctx.globalAlpha = 1;
    }
    this.drawTrails(t, unit);
    if (d.tints) this.drawTints(t);
    if (d.finale) this.drawFinale(t, unit);
    if (this.trails) {  // the piece of the current step, from its last recorded point to the
      // dot, in its tier (the newest but at step 0): one path per colour, tier and dimming
      ctx.lineCap = "butt";
      this.colourBatches().forEach(function (b) {
        var paths = {};
        for (q = 0; q < b.runs.length; q++) {
          r = b.runs[q];
          if (!r.src.trail || hidden[r.group]) continue;
          k = Math.min(Math.floor(t), r.n - 1);
          if (k >= r.n - 1) continue;
          var ts = self.tiersOf(r), tier = self.tierOf(r, k, k), key = 2 * tier + (dim[r.index] ? 1 : 0);
          var entry = paths[key] || (paths[key] = { path: new Path2D(), width: ts[tier][0], alpha: ts[tier][1] * (dim[r.index] ? fadeTrail : 1) });
          var path = entry.path;
          if (r.path) {  // the pieces of this step reached so far, along the surface
            var a0 = r.pathAt[k], a1 = r.pathAt[k + 1], sIdx = a0 + (t - k) * (a1 - a0), last = Math.floor(sIdx);
            path.moveTo(r.path[2 * a0], r.path[2 * a0 + 1]);
            for (var pk = a0 + 1; pk <= last + 1 && pk <= a1; pk++) {
              var fr = Math.min(sIdx - (pk - 1), 1), px0 = r.path[2 * pk - 2], py0 = r.path[2 * pk - 1];
              var px1 = px0 + fr * (r.path[2 * pk] - px0), py1 = py0 + fr * (r.path[2 * pk + 1] - py0);
              if (r.pathHid[pk - 1]) path.moveTo(px1, py1); else path.lineTo(px1, py1);
            }
          } else if (!(r.seg && r.seg[k])) {
            self.pointInto(r, t, here);
            path.moveTo(r.xy[2 * k], r.xy[2 * k + 1]); path.lineTo(here[0], here[1]);
          }
        }
        ctx.strokeStyle = b.color;
        for (var pkey in paths) {
          var pe = paths[pkey];
          ctx.lineWidth = pe.width * unit; ctx.globalAlpha = pe.alpha;
          ctx.stroke(pe.path);
        }
      });
      ctx.globalAlpha = 1; ctx.lineCap = "round";
    }
    this.drawModels(t, unit);
    for (q = 0; q < this.spots.length; q++) {
      var sp = this.spots[q];
      if (sp.src.group !== null && hidden[sp.src.group]) continue;
      var at = this.pathAt(sp.xy, sp.n, t);
      ctx.globalAlpha = sp.src.opacity; ctx.fillStyle = sp.src.color;
      ctx.beginPath(); ctx.arc(at[0], at[1], sp.src.radius, 0, 2 * Math.PI); ctx.fill();
      ctx.globalAlpha = 1;
    }
    // step markers (a small dot per recorded step reached), look-ahead ghosts, arrows
    for (q = 0; q < runs.length; q++) {
      r = runs[q];
      if (hidden[r.group]) continue;
      var rad = r.src.radius;
      k = Math.min(Math.floor(t), r.n - 1);
      ctx.globalAlpha = dim[r.index] ? fade : 1;  // a beat's other runs dim (Emphasis)
      if (r.src.markers && this.trails) {
        ctx.fillStyle = r.color;
        ctx.beginPath();
        for (i = 0; i <= k; i++) {
          if (r.out[i]) continue;
          ctx.moveTo(r.xy[2 * i] + 0.45 * rad, r.xy[2 * i + 1]);
          ctx.arc(r.xy[2 * i], r.xy[2 * i + 1], 0.45 * rad, 0, 2 * Math.PI);
        }
        ctx.fill();
      }
      if (!this.arrowsOn || (!r.ghost && !r.arrows.length)) { ctx.globalAlpha = 1; continue; }
      this.pointInto(r, t, here);
      if (r.ghost) {
        var g = this.pathAt(r.ghost, r.n, t);
        ctx.strokeStyle = r.color; ctx.lineWidth = 2 * unit;
        ctx.setLineDash([6 * unit, 6 * unit]);
        ctx.beginPath(); ctx.moveTo(here[0], here[1]); ctx.lineTo(g[0], g[1]); ctx.stroke();
        ctx.setLineDash([]);
        ctx.lineWidth = 3 * unit;
        ctx.beginPath(); ctx.arc(g[0], g[1], 1.1 * rad, 0, 2 * Math.PI); ctx.stroke();
      }
      var j = Math.min(Math.max(Math.round(t), 0), r.n - 1);
      for (i = 0; i < r.arrows.length; i++) {
        var a = r.arrows[i], o = 5 * j, vx = a.at[o + 2], vy = a.at[o + 3], len = Math.hypot(vx, vy);
        if (len > 0) this.arrow(here[0] + a.at[o], here[1] + a.at[o + 1], vx, vy, len, a.color, 5 * unit, a.at[o + 4]);
        if (a.said && a.said[j]) {  // its true length, written by it over a halo (kit.text.halo)
          var wx = here[0] + a.saidAt[2 * j], wy = here[1] + a.saidAt[2 * j + 1], words = r.src.arrows[i].words[a.said[j]];
          ctx.font = a.font; ctx.textAlign = "left"; ctx.textBaseline = "alphabetic";
          if (dim[r.index]) ctx.globalAlpha = fadeText;  // dimmed text stays legible
          ctx.strokeStyle = d.theme.background; ctx.lineWidth = 6 * unit; ctx.lineJoin = "round";
          ctx.strokeText(words, wx, wy);
          ctx.fillStyle = r.src.arrows[i].ink || a.color; ctx.fillText(words, wx, wy);
          ctx.globalAlpha = dim[r.index] ? fade : 1;
        }
      }
      ctx.globalAlpha = 1;
    }
    // dots: one sprite per colour and size, drawn once and stamped (a thousand particles
    // are a thousand image copies, not a thousand anti-aliased paths)
    var stroke = (light ? 2 : 1.5) * unit, snap = runs.length > 64, dpr = this.dpr;
    var edge = light ? "#000000" : "#FFFFFF";
    for (q = 0; q < runs.length; q++) {
      r = runs[q];
      if (hidden[r.group]) continue;
      if (r.hid && r.hid[Math.min(Math.max(Math.round(t), 0), r.n - 1)]) continue;  // behind the surface
      var colour = r.colorAt ? r.src.colors[r.colorAt[Math.min(Math.max(Math.round(t), 0), r.n - 1)]] : r.color;
      var cache = r.spriteOf || (r.spriteOf = {});
      var s = cache[colour] || (cache[colour] = r.src.hollow
        ? this.sprite(null, r.src.radius, r.src.hollow.width * unit, r.src.hollow.color, 2)  // a ring
        : this.sprite(colour, r.src.radius, stroke, edge, snap ? 1 : 2));
      this.pointInto(r, t, here);
      var x = here[0] - s.half, y = here[1] - s.half;
      // a crowd goes to whole device pixels: a straight copy, no resampling (1,000 dots at
      // the floor's frame rate); a few dots glide at sub-pixel positions
      if (snap) { x = Math.round(x * dpr) / dpr; y = Math.round(y * dpr) / dpr; }
      if (dim[r.index]) { ctx.globalAlpha = fade; ctx.drawImage(s.canvas, x, y, 2 * s.half, 2 * s.half); ctx.globalAlpha = 1; }
      else ctx.drawImage(s.canvas, x, y, 2 * s.half, 2 * s.half);
    }
    // the ring a beat's hold puts on its subject (kit.story.Emphasis), while the clock is
    // within the steps its narration covers
    var shownBeat = this.beatAt(t);
    if (shownBeat && shownBeat.ring && !hidden[this.runs[shownBeat.ring[0]].group]) {
      this.pointInto(this.runs[shownBeat.ring[0]], t, here);
      ctx.beginPath(); ctx.arc(here[0], here[1], shownBeat.ring[1], 0, 2 * Math.PI);
      ctx.strokeStyle = d.theme.text; ctx.lineWidth = 4 * unit; ctx.stroke();
    }
    if (shownBeat && shownBeat.mark) {  // a still subject that is no run: its ring where it stands
      var mk = shownBeat.mark;
      ctx.beginPath(); ctx.arc(mk[0], mk[1], mk[2], 0, 2 * Math.PI);
      ctx.strokeStyle = d.theme.text; ctx.lineWidth = 4 * unit; ctx.stroke();
    }
    var open = this.openingAt(t);  // what the video's opening adds there, over the runs
    if (open && open.image !== undefined) {
      var oi = this.openingImgs[open.image];
      if (oi.complete && oi.naturalWidth) ctx.drawImage(oi, open.at[0], open.at[1]);
    }
    this.drawHoverMark(unit);
    for (q = 0; q < this.liveTexts.length; q++) {
      var lt = this.liveTexts[q], pos = lt.src.at, said = lt.texts[lt.index[Math.min(Math.round(t), lt.index.length - 1)]];
      if (!said) continue;  // hidden at this step (an off-panel mark while the value is inside)
      ctx.font = lt.font; ctx.textAlign = "left"; ctx.textBaseline = "alphabetic";
      if (lt.src.halo) {  // kit.text.halo: a stroke of the page's colour behind the glyphs
        ctx.strokeStyle = d.theme.background; ctx.lineWidth = lt.src.halo * unit; ctx.lineJoin = "round";
        ctx.strokeText(said, pos[0], pos[1]);
      }
      ctx.fillStyle = lt.src.color;
      ctx.fillText(said, pos[0], pos[1]);
    }
    // the honest edge, as the video's Track draws it: the pin's arrow pointing out at a
    // point past the view, its words, and the note beside a run that stopped
    for (q = 0; q < runs.length; q++) {
      r = runs[q];
      if (hidden[r.group] || !r.marks) continue;
      k = Math.min(Math.max(Math.round(t), 0), r.n - 1);
      var M = r.marks, A = M.arrow;
      ctx.globalAlpha = dim[r.index] ? fade : 1;
      if (M.pin[k]) {
        var ax = A[5 * k], ay = A[5 * k + 1], bx = A[5 * k + 2] - ax, by = A[5 * k + 3] - ay, bl = Math.hypot(bx, by);
        if (bl > 0) this.arrow(ax, ay, bx, by, bl, r.color, 6 * unit, A[5 * k + 4]);
      }
      ctx.globalAlpha = dim[r.index] ? fadeText : 1;
      var ink = r.src.marks.ink || r.src.ink || r.color;  // the words darkened as the video's (text_color)
      if (M.tag[k]) this.word(r.src.marks, M.tag[k] - 1, M.at[4 * k], M.at[4 * k + 1], ink, 5 * unit);
      if (M.note[k]) this.word(r.src.marks, M.note[k] - 1, M.at[4 * k + 2], M.at[4 * k + 3], ink, 4 * unit);
      ctx.globalAlpha = 1;
    }
    // pins of a run without the video's marks: a run off the view is marked at the border
    for (q = 0; q < runs.length; q++) {
      r = runs[q];
      if (hidden[r.group] || r.marks) continue;
      k = Math.min(Math.round(t), r.n - 1);
      if (!r.out[k]) continue;
      this.pointInto(r, t, here);
      var px = here[0], py = here[1];
      ctx.beginPath(); ctx.arc(px, py, r.src.radius + 3, 0, 2 * Math.PI);
      ctx.strokeStyle = r.color; ctx.lineWidth = 1.5; ctx.setLineDash([3, 2]); ctx.stroke(); ctx.setLineDash([]);
      if (r.src.pin) {  // its words, toward the plot's centre
        var ar = d.areas[r.src.area], cx = ar.o[0] + (ar.ex[0] + ar.ey[0]) / 2, cy = ar.o[1] + (ar.ex[1] + ar.ey[1]) / 2;
        var dx = cx - px, dy = cy - py, n = Math.hypot(dx, dy) || 1, off = r.src.radius + 14;
        ctx.font = Math.round(d.size[0] / 60) + "px 'DejaVu Sans', sans-serif";
        ctx.fillStyle = r.src.ink || r.color; ctx.textAlign = "center"; ctx.textBaseline = "middle";
        ctx.fillText(r.src.pin, px + dx / n * off * 2.2, py + dy / n * off);
      }
    }
  };

  /* a legend row's swatch: its colour, or (a swarm whose dots take several colours) each
   * colour a slice */
  Player.prototype.swatch = function (g) {
    var cs = g.runs[0].src.group_colors;
    if (!cs || cs.length < 2) return g.color;
    var parts = cs.map(function (c, i) { return c + " " + (100 * i / cs.length) + "% " + (100 * (i + 1) / cs.length) + "%"; });
    return "linear-gradient(90deg, " + parts.join(", ") + ")";
  };

  /* round tick values over [lo, hi] as [value, text]: 1, 2 or 5 × 10^k apart, or the powers
   * of ten inside it on a log scale (every few when there are many) */
  function niceTicks(lo, hi, log) {
    var out = [], v, e;
    if (log && lo > 0) {
      var a = Math.ceil(Math.log10(lo) - 1e-9), b = Math.floor(Math.log10(hi) + 1e-9), every = Math.max(1, Math.ceil((b - a + 1) / 5));
      for (e = a; e <= b; e += every) out.push([Math.pow(10, e), "1e" + e]);
      if (out.length) return out;
    }
    var raw = (hi - lo) / 4, p = Math.pow(10, Math.floor(Math.log10(raw || 1))), m = raw / p;
    var step = (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
    for (v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
      var r = Math.abs(v) < step * 1e-9 ? 0 : v;
      out.push([r, String(+r.toPrecision(6))]);
    }
    return out;
  }

  /* beside the picture, the chart takes the room down to the picture's foot, up to 3:4 of
   * its width (the video's panel is about square; the stylesheet's 6.5em is its least) */
  Player.prototype.sizeChart = function () {
    var c = this.chart, st = this.stage.getBoundingClientRect();
    if (this.side.getBoundingClientRect().top >= st.bottom - 1 || !c.clientWidth) return;  // under the picture
    var room = st.bottom - c.getBoundingClientRect().top - 6;
    var least = 6.5 * parseFloat(getComputedStyle(c).fontSize), h = Math.max(least, Math.min(room, 0.75 * c.clientWidth));
    if (Math.abs(h - c.clientHeight) > 1) c.style.height = h.toFixed(1) + "px";
  };

  Player.prototype.drawChart = function () {
    this.sizeChart();
    var c = this.chart, dpr = this.dpr, self = this;
    var w = c.clientWidth || 200, h = c.clientHeight || 80;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
    var g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    var runs = this.chartRuns.filter(function (r) { return !self.hidden[r.group]; });
    if (this.data.panel.y && runs.every(function (r) { return r.panelY; })) { this.drawPanel(g, w, h, runs); return; }
    var lo = Infinity, hi = -Infinity, positive = true;
    this.chartRuns.forEach(function (r) {
      for (var i = 0; i < r.n; i++) {
        var v = r.series[i];
        if (!isFinite(v)) continue;
        if (v <= 0) positive = false;
        lo = Math.min(lo, v); hi = Math.max(hi, v);
      }
    });
    if (!(hi > lo)) { hi = lo + 1; }
    var f = positive && this.data.panel.log ? Math.log : function (v) { return v; };
    var flo = f(lo), fhi = f(hi), steps = this.steps;
    var yt = niceTicks(lo, hi, f === Math.log), xt = niceTicks(0, steps, false).filter(function (q) { return q[0] === Math.round(q[0]); });
    var B = this.chartBox(g, w, h, yt);
    function X(i) { return B.l + (B.r - B.l) * i / steps; }
    function Y(v) { return !isFinite(v) ? B.t : B.b - (B.b - B.t) * (f(Math.min(Math.max(v, lo), hi)) - flo) / (fhi - flo); }
    this.chartTicks(g, B, xt, yt.map(function (q) { return [f(q[0]), q[1]]; }), X, function (u) { return B.b - (B.b - B.t) * (u - flo) / (fhi - flo); });
    var k = Math.min(Math.floor(this.t), steps);
    runs.forEach(function (r) {
      g.beginPath();
      for (var i = 0; i <= Math.min(k, r.n - 1); i++) { if (i) g.lineTo(X(i), Y(r.series[i])); else g.moveTo(X(i), Y(r.series[i])); }
      g.strokeStyle = r.color; g.lineWidth = 2; g.stroke();
    });
    g.strokeStyle = this.data.theme.muted; g.setLineDash([3, 3]);
    g.beginPath(); g.moveTo(X(this.t), B.t); g.lineTo(X(this.t), B.b); g.stroke(); g.setLineDash([]);
    this.chart.title = (positive && this.data.panel.log ? "log scale, " : "") + num(lo) + " … " + num(hi);
  };

  /* the chart as the video's loss panel draws it: its range and scale, each run's line and
   * dot where the panel's own marker is (panel_y: clamped to the panel), and the mark it
   * writes while the value is past the panel's edge (▲ 6.97e+04, ▲ ∞) */
  Player.prototype.drawPanel = function (g, w, h, runs) {
    var P = this.data.panel, lo = P.y[0], hi = P.y[1], steps = this.steps, t = this.t, k = Math.min(Math.round(t), steps);
    var B = this.chartBox(g, w, h, P.y_ticks || []);
    if (P.names) {  // room on the right for each curve's name at its end, as the video's panel
      g.font = "12px 'DejaVu Sans', sans-serif";
      B.r -= 6 + Math.max.apply(null, P.names.map(function (q) { return g.measureText(q[0]).width; }));
    }
    function X(i) { return B.l + (B.r - B.l) * i / steps; }
    function Y(v) { return B.b - (B.b - B.t) * (v - lo) / (hi - lo); }
    this.chartTicks(g, B, P.x_ticks || [], P.y_ticks || [], X, Y);
    if (P.guides) this.drawGuides(g, P.guides, X, Y);
    var said = [], self = this;
    runs.forEach(function (r) {
      var n = r.panelY.length, f = Math.min(Math.floor(t), n - 1), end = self.pathAt1(r.panelY, n, t);
      g.beginPath();
      for (var i = 0; i <= f; i++) { if (i) g.lineTo(X(i), Y(r.panelY[i])); else g.moveTo(X(i), Y(r.panelY[i])); }
      g.lineTo(X(Math.min(t, n - 1)), Y(end));
      g.strokeStyle = r.color; g.lineWidth = 2; g.lineJoin = "round"; g.stroke();
      g.beginPath(); g.arc(X(Math.min(t, n - 1)), Y(end), 3, 0, 2 * Math.PI); g.fillStyle = r.color; g.fill();
      var m = r.panelMark[Math.min(k, n - 1)];
      if (m) said.push([r, P.marks[m - 1], X(Math.min(t, n - 1)), Y(end)]);
    });
    g.font = "12px 'DejaVu Sans', sans-serif"; g.textBaseline = "middle"; g.textAlign = "left";
    said.forEach(function (s, i) {  // by the dot, inside the box, one line apart
      var tw = g.measureText(s[1]).width, x = s[2] - 8 - tw > B.l + 2 ? s[2] - 8 - tw : s[2] + 8;
      var y = s[3] < (B.t + B.b) / 2 ? s[3] + 10 + 14 * i : s[3] - 10 - 14 * i;
      g.fillStyle = s[0].src.ink || s[0].color; g.fillText(s[1], x, y);
    });
    this.chart.dataset.marks = said.map(function (s) { return s[0].src.label + ": " + s[1]; }).join("\n");
    if (P.names) this.drawEndNames(g, B, runs, Y, t);
    g.strokeStyle = this.data.theme.muted; g.setLineDash([3, 3]);
    g.beginPath(); g.moveTo(X(t), B.t); g.lineTo(X(t), B.b); g.stroke(); g.setLineDash([]);
    this.chart.title = P.scale + " scale, " + num(lo) + " … " + num(hi);
  };

  /* each shown curve's name right of the box at the height of its current end, pushed
   * apart one line at least, bottom up (kit.readouts.LossPanel._end_labels); the names
   * written, top to bottom, go to chart.dataset.names */
  Player.prototype.drawEndNames = function (g, B, runs, Y, t) {
    var P = this.data.panel, self = this, at = [];
    runs.forEach(function (r) {
      var n = r.panelY.length, k = self.chartRuns.indexOf(r);
      if (k >= 0 && P.names[k]) at.push([Y(self.pathAt1(r.panelY, n, t)), P.names[k]]);
    });
    at.sort(function (a, b) { return b[0] - a[0]; });
    for (var i = 1; i < at.length; i++) at[i][0] = Math.min(at[i][0], at[i - 1][0] - 13);
    g.font = "12px 'DejaVu Sans', sans-serif"; g.textAlign = "left"; g.textBaseline = "middle";
    at.forEach(function (a) { g.fillStyle = a[1][1]; g.fillText(a[1][0], B.r + 5, a[0]); });
    this.chart.dataset.names = at.slice().reverse().map(function (a) { return a[1][0]; }).join("\n");
  };

  /* what the scene draws on its panel besides the curves (renders/player.py,
   * _panel_guides: a dashed line at a tolerance, "within 0.1" under it), in the panel's
   * coordinates; the words go to chart.dataset.guides */
  Player.prototype.drawGuides = function (g, guides, X, Y) {
    var words = [];
    guides.forEach(function (q) {
      if (q.line) {
        g.strokeStyle = q.color; g.lineWidth = 1.5; g.setLineDash(q.dashed ? [5, 4] : []);
        g.beginPath(); g.moveTo(X(q.line[0]), Y(q.line[1])); g.lineTo(X(q.line[2]), Y(q.line[3])); g.stroke();
        g.setLineDash([]);
      } else if (q.text) {
        g.font = "12px 'DejaVu Sans', sans-serif"; g.textAlign = "left"; g.textBaseline = "top";
        g.fillStyle = q.color; g.fillText(q.text, X(q.at[0]) + 2, Y(q.at[1]) + 1);
        words.push(q.text);
      }
    });
    this.chart.dataset.guides = words.join("\n");
  };

  /* the chart's plot box inside its canvas: room on the left for the widest y tick number
   * and below for the step numbers (12 px, the theme's muted colour) */
  Player.prototype.chartBox = function (g, w, h, yt) {
    g.font = "12px 'DejaVu Sans', sans-serif";
    var wide = 0;
    yt.forEach(function (q) { wide = Math.max(wide, g.measureText(q[1]).width); });
    var named = this.data.panel && this.data.panel.x_label ? 15 : 0;  // the x axis's name under the numbers
    return { l: Math.ceil(wide) + 8, r: w - 6, t: 4, b: h - 17 - named, w: w, h: h };
  };

  /* the box, its tick marks and tick numbers ([position, text] in the chart's coordinates);
   * a number that would touch the one before it is left out. The numbers written go to
   * chart.dataset.ticks ("x 0|x 5|y -1|...") */
  Player.prototype.chartTicks = function (g, B, xt, yt, X, Y) {
    var muted = this.data.theme.muted, drawn = [], last;
    g.strokeStyle = muted; g.lineWidth = 1;
    g.strokeRect(B.l + 0.5, B.t + 0.5, B.r - B.l - 1, B.b - B.t - 1);
    g.font = "12px 'DejaVu Sans', sans-serif"; g.fillStyle = muted;
    g.textAlign = "center"; g.textBaseline = "top"; last = -Infinity;
    xt.forEach(function (q) {
      var x = X(q[0]), tw = g.measureText(q[1]).width;
      if (x < B.l - 0.5 || x > B.r + 0.5) return;
      g.beginPath(); g.moveTo(x, B.b); g.lineTo(x, B.b - 4); g.stroke();
      var x0 = Math.min(Math.max(x - tw / 2, 0), B.w - tw), x1 = x0 + tw;  // the end's: inside the canvas
      if (x0 < last + 6) return;
      g.fillText(q[1], x0 + tw / 2, B.b + 3); last = x1; drawn.push("x " + q[1]);
    });
    g.textAlign = "right"; g.textBaseline = "middle"; last = Infinity;
    yt.forEach(function (q) {
      var y = Y(q[0]);
      if (y < B.t - 0.5 || y > B.b + 0.5) return;
      g.beginPath(); g.moveTo(B.l, y); g.lineTo(B.l + 4, y); g.stroke();
      var yc = Math.min(Math.max(y, B.t + 6), B.b - 6);
      if (Math.abs(yc - last) < 13) return;
      g.fillText(q[1], B.l - 4, yc); last = yc; drawn.push("y " + q[1]);
    });
    var xl = this.data.panel && this.data.panel.x_label;
    if (xl) {  // as the video's panel names its x axis, centred under the numbers, in the text's colour
      g.font = "13px 'DejaVu Sans', sans-serif"; g.fillStyle = this.data.theme.text;
      g.textAlign = "center"; g.textBaseline = "bottom"; g.fillText(xl, (B.l + B.r) / 2, B.h - 1);
      this.chart.dataset.xlabel = xl;
    }
    this.chart.dataset.ticks = drawn.join("|");
    this.chartBoxNow = B;
  };

  /* a per-step series at fractional step s (linear between steps) */
  Player.prototype.pathAt1 = function (a, n, s) {
    var i = Math.min(Math.max(Math.floor(s), 0), n - 1), j = Math.min(i + 1, n - 1), f = s >= n - 1 ? 0 : s - i;
    return (1 - f) * a[i] + f * a[j];
  };

  /* position on a recorded pixel path at fractional step s (linear between steps) */
  Player.prototype.pathAt = function (xy, n, s) {
    var i = Math.min(Math.max(Math.floor(s), 0), n - 1), j = Math.min(i + 1, n - 1), f = s >= n - 1 ? 0 : s - i;
    return [(1 - f) * xy[2 * i] + f * xy[2 * j], (1 - f) * xy[2 * i + 1] + f * xy[2 * j + 1]];
  };

  /* words of a run's edge marks (marks.words[i]) centred at (x, y), in a font sized to the
   * video's width of them, over a halo of the page's colour (kit.text.halo) */
  Player.prototype.word = function (marks, i, x, y, color, halo) {
    var ctx = this.ctx, text = marks.words[i], cache = this.wordFonts || (this.wordFonts = {});
    var key = text + "|" + marks.widths[i];
    if (!cache[key]) {  // the font, and where the glyphs' box centre is from the pen
      ctx.font = "100px 'DejaVu Sans', sans-serif";
      var m = ctx.measureText(text), w = (m.actualBoundingBoxRight + m.actualBoundingBoxLeft) || m.width || 1;
      var font = (100 * marks.widths[i] / w).toFixed(2) + "px 'DejaVu Sans', sans-serif";
      ctx.font = font;
      var n = ctx.measureText(text);
      cache[key] = { font: font, dx: (n.actualBoundingBoxRight - n.actualBoundingBoxLeft) / 2, dy: (n.actualBoundingBoxAscent - n.actualBoundingBoxDescent) / 2 };
    }
    var f = cache[key], px = x - f.dx, py = y + f.dy;
    ctx.font = f.font; ctx.textAlign = "left"; ctx.textBaseline = "alphabetic";
    ctx.strokeStyle = this.data.theme.background; ctx.lineWidth = halo; ctx.lineJoin = "round";
    ctx.strokeText(text, px, py);
    ctx.fillStyle = color; ctx.fillText(text, px, py);
  };

  /* an arrow from (x, y) along (vx, vy), with a tip of at most 0.3 of its length (or of
   * length `tipLength` px, the video's) */
  Player.prototype.arrow = function (x, y, vx, vy, len, color, width, tipLength) {
    var ctx = this.ctx, ux = vx / len, uy = vy / len;
    var tip = tipLength || Math.min(0.3 * len, 0.35 * this.data.size[0] / 14.2222);
    var bx = x + vx - ux * tip, by = y + vy - uy * tip;
    ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = width; ctx.lineCap = "butt";
    ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(bx, by); ctx.stroke();
    ctx.beginPath(); ctx.moveTo(x + vx, y + vy);
    ctx.lineTo(bx - uy * tip * 0.5, by + ux * tip * 0.5);
    ctx.lineTo(bx + uy * tip * 0.5, by - ux * tip * 0.5);
    ctx.closePath(); ctx.fill();
    ctx.lineCap = "round";
  };

  /* a dot drawn once at `over` times the canvas's resolution (1: copied pixel for pixel) */
  Player.prototype.sprite = function (color, radius, width, edge, over) {
    var key = [color, radius, width, edge, over].join(), cache = (this.sprites = this.sprites || {});
    if (cache[key]) return cache[key];
    var half = Math.ceil(radius + width + 1), k = this.dpr * over;
    var c = document.createElement("canvas");
    c.width = c.height = 2 * half * k;
    var g = c.getContext("2d");
    g.scale(k, k);
    g.beginPath(); g.arc(half, half, radius, 0, 2 * Math.PI);
    if (color) { g.fillStyle = color; g.fill(); }  // null: hollow, the stroke alone
    g.lineWidth = width; g.strokeStyle = edge; g.stroke();
    var entry = cache[key] = { canvas: c, half: half };
    // WebKit copies a canvas source at every drawImage (1,000 dots: 25 ms a frame in
    // WebKitGTK 2.50), an ImageBitmap not (2.3 ms): stamp the bitmap once it is made
    if (window.createImageBitmap) {
      createImageBitmap(c).then(function (b) { entry.canvas = b; }, function () {});
    }
    return entry;
  };

  Player.prototype.readouts = function () {
    var t = this.t, k = Math.round(t), self = this, beats = this.data.beats || [];
    this.counter.textContent = "step " + k + " / " + this.steps;
    // the rate map's beats are stops of the cursor's tour, not steps of a run: shown when picked
    if (this.data.kind === "ratemap") { this.mapReadout(); return; }
    var shown = -1;
    beats.forEach(function (b, i) { if (b.step <= t + 1e-9) shown = i; });
    this.showBeat(shown);
    this.groups.forEach(function (g) {
      var r = g.runs[0];
      if (!r.loss) { g.value.textContent = ""; return; }
      var i = Math.min(k, r.n - 1);
      var many = r.src.group_count !== undefined ? r.src.group_count : g.runs.length;
      var text = g.runs.length > 1 ? many + " " + (r.src.group_word || "runs") : r.legend ? r.legend[Math.min(k, r.legend.length - 1)] : "loss " + num(r.loss[i]);
      if (r.plane && g.runs.length === 1 && !r.legend) text += "  plane " + num(r.plane[i]) + "  off " + num(r.off[i]);
      if (r.out[i]) text += "  (off view)";
      g.value.textContent = text;
    });
    if (this.chart) this.drawChart();
    this.writeSaid(k);
    if (this.ruleBox) this.ruleBox.hidden = !!this.hidden[this.runs[this.data.live_rule].group];  // its run hidden
    if (this.rule) this.drawRule(t);
    else if (this.ruleBox) {
      var rr = this.runs[this.data.live_rule], box = this.ruleBox, kk = Math.min(k, rr.n - 1);
      box.textContent = "";
      this.termRows(box, rr, kk, function (name, value) {
        var row = el("div", "dp-tip-row", box); el("span", "dp-k", row, name); el("span", "dp-v", row, value);
      });
    }
    if (this.hoverAt) this.showTip(this.hoverAt.run, this.hoverAt.step, this.hoverAt.x, this.hoverAt.y, this.hoverAt.live || this.hoverAt.tile);
  };

  /* a sweep's tile whose run left for good, tinted from the step the video tints it
   * (renders/player.py, _tints): the tile's colour wash and its word, on a halo */
  Player.prototype.drawTints = function (t) {
    var ctx = this.ctx;
    this.data.tints.forEach(function (x) {
      if (t < x.from - 1e-9) return;
      var b = x.box;
      ctx.globalAlpha = x.opacity; ctx.fillStyle = x.color;
      ctx.fillRect(b[0], b[1], b[2] - b[0], b[3] - b[1]);
      ctx.globalAlpha = 1;
      if (!x.font) { ctx.font = "100px 'DejaVu Sans', sans-serif"; x.font = (100 * x.width / (ctx.measureText(x.word).width || 1)).toFixed(2) + "px 'DejaVu Sans', sans-serif"; }
      ctx.font = x.font; ctx.textAlign = "center"; ctx.textBaseline = "middle"; ctx.lineJoin = "round";
      ctx.strokeStyle = x.halo; ctx.lineWidth = 4; ctx.strokeText(x.word, x.at[0], x.at[1]);
      ctx.fillStyle = x.word_color; ctx.fillText(x.word, x.at[0], x.at[1]);
    });
  };

  /* once the runs end, the sweep's fastest tile outlined and named (renders/player.py, _finale) */
  Player.prototype.drawFinale = function (t, unit) {
    var F = this.data.finale, ctx = this.ctx, b = F.box;
    if (t < F.from - 1e-9) return;
    ctx.strokeStyle = F.stroke; ctx.lineWidth = F.width; ctx.lineJoin = "miter";
    ctx.strokeRect(b[0], b[1], b[2] - b[0], b[3] - b[1]);
    if (!F.font) { ctx.font = "100px 'DejaVu Sans', sans-serif"; F.font = (100 * F.text_width / (ctx.measureText(F.text).width || 1)).toFixed(2) + "px 'DejaVu Sans', sans-serif"; }
    ctx.font = F.font; ctx.fillStyle = F.color; ctx.textAlign = "left"; ctx.textBaseline = "bottom";
    ctx.fillText(F.text, F.at[0], F.at[1]);
  };

  /* strings stored as distinct lines and an index a step (renders/player.py, _strings) */
  Player.prototype.strings = function (ref) {
    return { lines: new TextDecoder().decode(view(this.buf, ref.lines)).split("\n"), index: view(this.buf, ref.index) };
  };

  /* the video's update rule beside the plot, as it draws it (renders/player.py,
   * _rule_as_drawn): its header, the rule's lines in symbols with each line's numbers, and
   * under it Adam's per-coordinate bars (|m̂| within √v̂, one scale for every coordinate)
   * with |step| / lr beside each */
  Player.prototype.initRule = function (R) {
    var self = this, box = this.ruleBox;
    box.classList.add("dp-rule-live");
    el("div", "dp-rule-head", box, R.header).style.color = R.header_color;
    var grid = el("div", "dp-rule-grid", box);
    this.rule = { src: R, numbers: R.numbers.map(function (n) { return self.strings(n); }), cells: [] };
    R.rules.forEach(function (r) {
      el("span", "dp-rule-sym", grid, r).style.color = R.color;
      self.rule.cells.push(el("span", "dp-rule-num", grid));
    });
    var B = R.bars;
    if (!B) return;
    var bars = el("div", "dp-bars", box);
    el("div", "dp-bars-head", bars, B.header).style.color = R.header_color;
    this.rule.bars = {
      src: B, box: bars, lengths: view(this.buf, B.lengths), update: view(this.buf, B.update),
      mHat: view(this.buf, B.m_hat), rootV: view(this.buf, B.root_v),
      texts: B.texts.map(function (x) { return self.strings(x); }), rows: []
    };
    B.names.forEach(function (name) {
      var row = el("div", "dp-bars-row", bars);
      el("span", "dp-bars-tag", row, name).style.color = B.name_color;
      var track = el("span", "dp-bars-track", row);
      var outer = el("span", "dp-bars-outer", track), inner = el("span", "dp-bars-inner", track);
      outer.style.background = B.outer; outer.style.opacity = String(B.outer_opacity);
      inner.style.background = B.inner;
      var text = el("span", "dp-bars-text", row); text.style.color = B.text_color;
      self.rule.bars.rows.push({ row: row, track: track, outer: outer, inner: inner, text: text });
    });
  };

  /* the rule and bars at clock t: between steps t and t + 1 the video shows the update under
   * way (kit.rules.shown_update), which is the one it shows at rest on step ceil(t) */
  Player.prototype.drawRule = function (t) {
    var R = this.rule, k = Math.min(Math.max(Math.ceil(t - 1e-9), 0), this.steps);
    R.numbers.forEach(function (n, j) {
      var said = n.lines[n.index[Math.min(k, n.index.length - 1)]];
      if (R.cells[j].textContent !== said) R.cells[j].textContent = said;
    });
    var B = R.bars;
    if (!B) return;
    var dim = B.rows.length, i = Math.min(k, B.update.length - 1), u = B.update[i];
    B.box.dataset.update = String(u);
    B.rows.forEach(function (row, c) {
      var o = B.lengths[(i * dim + c) * 2], m = B.lengths[(i * dim + c) * 2 + 1];
      row.outer.style.width = (100 * o) + "%";
      row.inner.style.width = (100 * m) + "%";
      row.row.dataset.mHat = String(B.mHat[u * dim + c]);
      row.row.dataset.rootV = String(B.rootV[u * dim + c]);
      row.row.dataset.full = String(B.src.full);
      var said = B.texts[c].lines[B.texts[c].index[i]];
      if (row.text.textContent !== said) row.text.textContent = said;
      row.row.title = B.src.names[c] + ": |m̂| " + num(B.mHat[u * dim + c]) + " within √v̂ " + num(B.rootV[u * dim + c]) + " (update " + (u + 1) + ")";
    });
  };

  /* the words the canvas writes at step k, one a line, into the page (.dp-said) */
  Player.prototype.writeSaid = function (k) {
    var lines = [], self = this;
    this.runs.forEach(function (r) {
      if (self.hidden[r.group] || !r.marks) return;
      var i = Math.min(Math.max(k, 0), r.n - 1), w = r.src.marks.words;
      if (r.marks.tag[i]) lines.push(r.src.label + ": " + w[r.marks.tag[i] - 1]);
      if (r.marks.note[i]) lines.push(r.src.label + ": " + w[r.marks.note[i] - 1]);
    });
    if (this.arrowsOn) this.runs.forEach(function (r) {
      if (self.hidden[r.group]) return;
      var i = Math.min(Math.max(k, 0), r.n - 1);
      r.arrows.forEach(function (a, j) { if (a.said && a.said[i]) lines.push(r.src.label + ": " + r.src.arrows[j].words[a.said[i]]); });
    });
    (this.data.tints || []).forEach(function (x) { if (k >= x.from) lines.push(x.word); });
    if (this.data.finale && k >= this.data.finale.from) lines.push(this.data.finale.text);
    this.liveTexts.forEach(function (lt) {
      var said = lt.texts[lt.index[Math.min(k, lt.index.length - 1)]];
      if (said) lines.push(said);
    });
    var text = lines.join("\n");
    if (this.said.textContent !== text) this.said.textContent = text;
  };

  Player.prototype.toCanvas = function (e) {
    var rect = this.canvas.getBoundingClientRect(), d = this.data;
    return [(e.clientX - rect.left) * d.size[0] / rect.width, (e.clientY - rect.top) * d.size[1] / rect.height];
  };

  Player.prototype.hover = function (e) {
    if (!this.ready) return;
    var p = this.toCanvas(e), d = this.data;
    if (d.kind === "ratemap") { this.mapHover(p); return; }
    var self = this, t = this.t, best = null, bestD = Infinity;
    this.runs.forEach(function (r) {
      if (self.hidden[r.group] || !r.loss) return;
      if (r.hid && r.hid[Math.min(Math.max(Math.round(t), 0), r.n - 1)]) return;  // behind the surface
      var q = self.pointAt(r, t), dd = Math.hypot(q[0] - p[0], q[1] - p[1]);
      if (dd <= r.src.radius + 4 && dd < bestD) { bestD = dd; best = { run: r, step: Math.min(Math.round(t), r.n - 1), live: true }; }
    });
    if (!best && this.trails) {  // a recorded step on a visible trail
      this.runs.forEach(function (r) {
        if (self.hidden[r.group] || !r.loss || !r.src.trail) return;
        var k = Math.min(Math.floor(t), r.n - 1);
        for (var i = 0; i <= k; i++) {
          var dd = Math.hypot(r.xy[2 * i] - p[0], r.xy[2 * i + 1] - p[1]);
          if (dd <= 5 && dd < bestD) { bestD = dd; best = { run: r, step: i }; }
        }
      });
    }
    if (!best && this.tiles) {  // anywhere in a tile: that tile's run
      this.runs.forEach(function (r) {
        var a = d.areas[r.src.area];
        var u = ((p[0] - a.o[0]) * a.ex[0]) / (a.ex[0] * a.ex[0]), v = ((p[1] - a.o[1]) * a.ey[1]) / (a.ey[1] * a.ey[1]);
        if (u >= 0 && u <= 1 && v >= 0 && v <= 1) best = { run: r, step: Math.min(Math.round(t), r.n - 1) };
      });
    }
    if (!best) { this.tip.hidden = true; if (this.hoverAt) { this.hoverAt = null; this.draw(); } return; }
    this.hoverAt = { run: best.run, step: best.step, x: p[0], y: p[1], live: !!best.live, tile: !!this.tiles && !best.live };
    this.showTip(best.run, best.step, p[0], p[1], false);
    this.draw();
  };

  Player.prototype.showTip = function (r, k, x, y, live) {
    if (live) k = Math.min(Math.round(this.t), r.n - 1);
    var tip = this.tip, d = this.data;
    tip.textContent = "";
    el("div", "dp-tip-head", tip, r.src.label + this.whichOf(r) + " · step " + k);
    function line(name, value) { var row = el("div", "dp-tip-row", tip); el("span", "dp-k", row, name); el("span", "dp-v", row, value); return row; }
    var lossRow = line("loss", num(r.loss[k]));
    tip.dataset.loss = String(r.loss[k]);
    tip.dataset.step = String(k);
    tip.dataset.run = r.src.label;
    lossRow.classList.add("dp-loss");
    var dim = r.src.dim, g = r.grad.subarray(k * dim, k * dim + dim), nm = r.src.norms;
    line(nm ? "‖gradient‖" : "gradient", vec(g));
    line("lr", num(r.lr[k]));
    if (r.plane) { line("loss on plane", num(r.plane[k])); line("off plane", num(r.off[k])); }
    // the update's terms, unless the rule is written out beside the picture for this run
    if (!(this.rule && this.runs[this.data.live_rule] === r && !this.ruleBox.hidden)) this.termRows(tip, r, k, line);
    tip.hidden = false;
    var left = this.cropX(x), top = this.cropY(y);
    tip.style.left = left < 60 ? "calc(" + left + "% + 14px)" : "";
    tip.style.right = left >= 60 ? "calc(" + (100 - left) + "% + 14px)" : "";
    tip.style.top = top + "%";
    var room = this.stage.clientHeight - tip.offsetHeight - 4;  // keep it inside the picture
    if (tip.offsetTop > room) tip.style.top = Math.max(0, room) + "px";
    this.keepTip();
  };

  /* the tooltip moved, where it would cross the player's edge, to lie inside it: a frame
   * (a notebook's output, a docs page) cuts off what crosses its edge, and a small picture
   * (a short screen's) leaves a tall tooltip no room in it */
  Player.prototype.keepTip = function () {
    var tip = this.tip, r = this.root.getBoundingClientRect(), b = tip.getBoundingClientRect();
    if (tip.hidden) return;
    var dx = b.left < r.left ? r.left - b.left : Math.min(0, Math.max(r.left - b.left, r.right - b.right));
    var dy = b.top < r.top ? r.top - b.top : Math.min(0, Math.max(r.top - b.top, r.bottom - b.bottom));
    if (dx) { tip.style.left = tip.offsetLeft + dx + "px"; tip.style.right = ""; }
    if (dy) tip.style.top = tip.offsetTop + dy + "px";
  };

  /* which of its legend row's runs r is (" · particle 12 of 40"), "" for a row of one */
  Player.prototype.whichOf = function (r) {
    var g = (this.groups || []).filter(function (x) { return x.id === r.group; })[0];
    if (!g) return "";
    var dots = g.runs.filter(function (x) { return !x.src.hollow; });
    var i = dots.indexOf(r);
    if (dots.length < 2) return "";
    var word = (g.runs[0].src.group_word || "runs") === "particles" ? "particle" : "run";
    var where = g.name && g.name !== r.src.label ? " · " + g.name : "";
    return where + (i < 0 ? " · followed " + word : " · " + word + " " + (i + 1) + " of " + dots.length);
  };

  /* the point a tooltip describes: a ring of the page's text colour (on a rim of the
   * background) around the dot, or around the trail's recorded point hovered */
  Player.prototype.drawHoverMark = function (unit) {
    var h = this.hoverAt, ctx = this.ctx;
    if (!h || h.tile || this.hidden[h.run.group]) return;
    var r = h.run, p = h.live ? this.pointAt(r, this.t) : [r.xy[2 * h.step], r.xy[2 * h.step + 1]];
    var rad = (h.live ? r.src.radius : 0.45 * r.src.radius) + 4;
    ctx.beginPath(); ctx.arc(p[0], p[1], rad, 0, 2 * Math.PI);
    ctx.strokeStyle = this.data.theme.background; ctx.lineWidth = 4; ctx.stroke();
    ctx.beginPath(); ctx.arc(p[0], p[1], rad, 0, 2 * Math.PI);
    ctx.strokeStyle = this.data.theme.text; ctx.lineWidth = 2; ctx.stroke();
    this.root.dataset.hoverMark = p[0].toFixed(2) + "," + p[1].toFixed(2);
  };

  /* the update rule of run r at step k: the rule in symbols, then each term's numbers */
  Player.prototype.termRows = function (box, r, k, line) {
    if (!r.terms || k >= r.terms.steps) return;
    var T = r.terms, names = T.names, dim = r.src.dim, nm = r.src.norms, base = k * names.length * dim;
    el("div", "dp-tip-sub", box, "update (" + T.rule + "): " + (T.formula || []).join(",  "));
    T.hyper.forEach(function (h, j) { if (h !== "lr") line(h, num(r.termHyper[k * T.hyper.length + j])); });
    names.forEach(function (n, j) {
      if (n === "g" || n === "θ") return;
      line(nm ? "‖" + n + "‖" : n, vec(r.termValues.subarray(base + j * dim, base + j * dim + dim)));
    });
  };

  Player.prototype.click = function (e) {
    if (this.ready && this.data.kind === "ratemap") this.mapClick(this.toCanvas(e));
  };

  /* ----- the rate map ----- */
  Player.prototype.initMap = function () {
    var self = this, m = this.data.map;
    this.map = m;
    this.rate = view(this.buf, m.rate);
    this.lengths = view(this.buf, m.lengths);
    this.finalLoss = view(this.buf, m.final_loss);
    this.status = m.status ? view(this.buf, m.status) : null;  // the scene's status rule, per run
    this.divergedAt = m.diverged_at ? view(this.buf, m.diverged_at) : null;
    this.residuals = view(this.buf, m.residuals);  // every run's points less their prediction
    this.starts = view(this.buf, m.start);
    this.offsets = new Uint32Array(this.lengths.length + 1);
    for (var i = 0; i < this.lengths.length; i++) this.offsets[i + 1] = this.offsets[i] + this.lengths[i];
    this.sel = null;
    this.ready = true;
    this.legend.textContent = "";
    this.mapInfo = el("div", "dp-mapinfo", this.legend, "click the map: the run under the cursor plays in the inset");
    // the read-out under the inset, where the video writes it
    var b = this.data.areas[1], size = this.data.size;
    this.side.style.left = (100 * b.o[0] / size[0]) + "%";
    this.side.style.right = "1%";
    this.side.style.top = (100 * (b.o[1] + 4) / size[1]) + "%";
    this.side.classList.add("dp-small");
    this.initBeats(function (b, i) {
      // the tour as far as the end of this chapter's caption (a beat spans its steps up to
      // "until": the rate map's sweep runs under its caption): what the video has drawn then
      var upto = b.until != null ? b.until : b.step;
      var pts = m.tour_points, p = pts.length ? pts[Math.min(Math.round(upto), pts.length - 1)] : null;
      self.showBeat(i);
      self.stopName = (m.tour[i] || [])[2] || null;  // at a stop of the tour: its name
      self.tourStep = upto;
      if (p) self.selectValues(p[0], p[1]);
    });
    this.showBeat((this.data.beats || []).length ? 0 : -1);
    this.marks.hidden = true;
    this.arrowBox.hidden = true;
    this.stopName = m.tour_points.length && m.tour.length ? m.tour[0][2] : null;
    var first = m.tour_points.length ? m.tour_points[0] : [m.lr[0], m.momentum[0]];
    this.selectValues(first[0], first[1], true);
  };
  Player.prototype.nearestIndex = function (values, v) {
    var best = 0;
    for (var i = 1; i < values.length; i++) if (Math.abs(values[i] - v) < Math.abs(values[best] - v)) best = i;
    return best;
  };
  Player.prototype.mapValues = function (p) {
    var a = this.data.areas[0];
    var u = (p[0] - a.o[0]) / a.ex[0], v = (p[1] - a.o[1]) / a.ey[1];
    if (u < 0 || u > 1 || v < 0 || v > 1) return null;
    return [a.x[0] + u * (a.x[1] - a.x[0]), a.y[0] + v * (a.y[1] - a.y[0])];
  };
  Player.prototype.selectValues = function (lr, mu, quiet) {
    this.select(this.nearestIndex(this.map.lr, lr), this.nearestIndex(this.map.momentum, mu), quiet);
  };
  Player.prototype.select = function (i, j, quiet) {
    var k = i * this.map.shape[1] + j, n = this.lengths[k];
    var q = this.decodeRun(k), xy = new Float32Array(2 * n);
    for (var s = 0; s < 2 * n; s++) xy[s] = q[s] / this.map.scale;
    this.sel = [i, j];
    this.selPath = xy;
    this.selN = n;
    this.root.dataset.run = i + "," + j;
    this.pause();
    this.seek(0);
    if (!quiet) this.play();
  };
  /* run k of the lattice in 1/scale px: each point is its prediction plus the stored
   * residual (renders/player.py, Lattice: the same float64 operations in the same order,
   * so the prediction is the encoder's to the bit and the points are the recorded ones) */
  Player.prototype.decodeRun = function (k) {
    var m = this.map, n = this.lengths[k], o = this.offsets[k], res = this.residuals, sc = m.scale;
    var h1 = m.lr[Math.floor(k / m.shape[1])], h2 = m.momentum[k % m.shape[1]];
    var lo = m.lo, hi = m.hi, q = new Float64Array(2 * n), c = [[], []];
    for (var ax = 0; ax < 2; ax++) {
      var th = m.model[ax];
      for (var e = 0; e < 5; e++) c[ax].push(th[3 * e] + th[3 * e + 1] * h1 + th[3 * e + 2] * h2);
    }
    var mx1 = [0, 0], mx2 = [0, 0], last = [NaN, NaN], cur = [0, 0];
    for (var t = 0; t < n; t++) {
      for (ax = 0; ax < 2; ax++) {
        var a = c[ax];
        if (t === 0) cur[ax] = this.starts[2 * k + ax];
        else if (t === 1) cur[ax] = a[3] + a[4] * mx1[ax];
        else cur[ax] = a[0] + a[1] * mx1[ax] + a[2] * mx2[ax];
      }
      var x = cur[0], y = cur[1];
      var inside = isFinite(x) && isFinite(y) && x >= lo[0] && y >= lo[1] && x <= hi[0] && y <= hi[1];
      var px, py;
      if (inside) {
        px = Math.floor(x * sc + 0.5); py = Math.floor(y * sc + 0.5);
      } else {  // where the segment from the model's last point inside crosses the border
        var dx = x - last[0], dy = y - last[1];
        var tx = dx > 0 ? (hi[0] - last[0]) / dx : Infinity, ty = dy > 0 ? (hi[1] - last[1]) / dy : Infinity;
        var ux = dx < 0 ? (lo[0] - last[0]) / dx : Infinity, uy = dy < 0 ? (lo[1] - last[1]) / dy : Infinity;
        var f = Math.min(Math.max(Math.min(Math.min(Math.min(tx, ty), ux), uy), 0), 1);
        var pinx = Math.min(Math.max(last[0] + f * dx, lo[0]), hi[0]);
        var piny = Math.min(Math.max(last[1] + f * dy, lo[1]), hi[1]);
        if (isFinite(pinx) && isFinite(piny)) {
          px = Math.floor(pinx * sc + 0.5); py = Math.floor(piny * sc + 0.5);
        } else if (t >= 2) { px = q[2 * t - 4]; py = q[2 * t - 3]; }
        else if (t === 1) { px = q[0]; py = q[1]; }
        else { px = 0; py = 0; }
      }
      q[2 * t] = px + res[2 * (o + t)];
      q[2 * t + 1] = py + res[2 * (o + t) + 1];
      if (inside) { last[0] = x; last[1] = y; }
      mx2[0] = mx1[0]; mx2[1] = mx1[1]; mx1[0] = x; mx1[1] = y;
    }
    return q;
  };
  Player.prototype.selPoint = function (s) {
    var last = this.selN - 1, i = Math.min(Math.floor(s), last), j = Math.min(i + 1, last), f = Math.min(s - i, 1);
    if (s >= last) { i = j = last; f = 0; }
    var p = this.selPath;
    return [(1 - f) * p[2 * i] + f * p[2 * j], (1 - f) * p[2 * i + 1] + f * p[2 * j + 1]];
  };
  Player.prototype.drawMap = function () {
    if (!this.sel) return;
    var ctx = this.ctx, a = this.data.areas[0], m = this.map, i = this.sel[0], j = this.sel[1];
    var u = (m.lr[i] - a.x[0]) / (a.x[1] - a.x[0]), v = (m.momentum[j] - a.y[0]) / (a.y[1] - a.y[0]);
    var cx = a.o[0] + u * a.ex[0] + v * a.ey[0], cy = a.o[1] + u * a.ex[1] + v * a.ey[1];
    var fg = this.data.theme.text, bg = this.data.theme.background, px = this.data.size[0] / 14.2222;
    var mapPx = function (p) {
      var uu = (p[0] - a.x[0]) / (a.x[1] - a.x[0]), vv = (p[1] - a.y[0]) / (a.y[1] - a.y[0]);
      return [a.o[0] + uu * a.ex[0] + vv * a.ey[0], a.o[1] + uu * a.ex[1] + vv * a.ey[1]];
    };
    // the sweep line (RateMap.sweep_line): the tour's leg along one β, drawn as far as the
    // cursor has gone on the tour (the last chapter picked) and kept, in the theme's text colour
    var sw = m.sweep, pts = m.tour_points, upto = this.tourStep || 0;
    if (sw && pts.length && upto > sw[0]) {
      ctx.beginPath();
      for (var si = sw[0]; si <= Math.min(upto, sw[1], pts.length - 1); si++) {
        var sp = mapPx(pts[si]);
        if (si === sw[0]) ctx.moveTo(sp[0], sp[1]); else ctx.lineTo(sp[0], sp[1]);
      }
      ctx.strokeStyle = fg; ctx.lineWidth = 5 * px / 100; ctx.lineCap = "round"; ctx.stroke();
    }
    // the cursor (RateMap.cursor: a ring of 0.13 and a dot of 0.04 scene units), with a rim
    // of the background so that it stays visible over the star and the closed form's ring
    var ringR = 0.13 * px, dotR = 0.04 * px;
    ctx.beginPath(); ctx.arc(cx, cy, ringR, 0, 2 * Math.PI); ctx.strokeStyle = bg; ctx.lineWidth = 4.4; ctx.stroke();
    ctx.beginPath(); ctx.arc(cx, cy, ringR, 0, 2 * Math.PI); ctx.strokeStyle = fg; ctx.lineWidth = 2.4; ctx.stroke();
    ctx.beginPath(); ctx.arc(cx, cy, dotR + 1, 0, 2 * Math.PI); ctx.fillStyle = bg; ctx.fill();
    ctx.beginPath(); ctx.arc(cx, cy, dotR, 0, 2 * Math.PI); ctx.fillStyle = fg; ctx.fill();
    // the beat's ring on its subject (kit.story.Emphasis): the cursor, or a fixed mark
    var subj = (m.beat_subjects || [])[this.beatShown], ring = null;
    if (subj === 0) ring = [cx, cy, (0.26 * 1.6 + 0.05) * px];
    else if (subj !== undefined && subj !== null && m.subjects && m.subjects[subj]) ring = m.subjects[subj];
    if (ring) {
      ctx.beginPath(); ctx.arc(ring[0], ring[1], ring[2], 0, 2 * Math.PI);
      ctx.strokeStyle = fg; ctx.lineWidth = 4 * px / 100; ctx.stroke();
    }
    this.drawSgdMarks(i);
    if (!this.selPath) return;
    var t = this.t, k = Math.min(Math.floor(t), this.selN - 1), p = this.selPath, q = this.selPoint(t);
    if (this.trails) {
      ctx.beginPath(); ctx.moveTo(p[0], p[1]);
      for (var s = 1; s <= k; s++) ctx.lineTo(p[2 * s], p[2 * s + 1]);
      ctx.lineTo(q[0], q[1]);
      ctx.strokeStyle = m.color; ctx.lineWidth = 1.6; ctx.lineJoin = "round"; ctx.stroke();
    }
    ctx.beginPath(); ctx.arc(q[0], q[1], 3.6, 0, 2 * Math.PI); ctx.fillStyle = m.color; ctx.fill();
  };
  /* plain SGD's marker on the rate-vs-lr panel at the selected run's lr, a ring pinned at
   * the top when its rate is off the panel, and its read-out, as the video's
   * (renders/player.py, _sgd_marks: the scene's own sgd_marker at each lr of the map) */
  Player.prototype.drawSgdMarks = function (i) {
    var sg = this.map.sgd, ctx = this.ctx, unit = this.data.size[0] / 1422.2;
    if (!sg) return;
    var p = sg.xy[i];
    ctx.beginPath(); ctx.arc(p[0], p[1], sg.radius, 0, 2 * Math.PI);
    if (sg.ring[i]) { ctx.strokeStyle = sg.color; ctx.lineWidth = 3 * unit; ctx.stroke(); }
    else { ctx.fillStyle = sg.color; ctx.fill(); }
    if (!this.sgdFont) {
      ctx.font = "100px 'DejaVu Sans', sans-serif";
      this.sgdFont = (100 * sg.width / (ctx.measureText(sg.texts[0]).width || 1)).toFixed(2) + "px 'DejaVu Sans', sans-serif";
    }
    ctx.font = this.sgdFont; ctx.fillStyle = sg.text_color; ctx.textAlign = "left"; ctx.textBaseline = "alphabetic";
    ctx.fillText(sg.texts[i], sg.at[0], sg.at[1]);
    this.root.dataset.sgd = sg.texts[i];
  };

  Player.prototype.describe = function (i, j) {
    var r = this.rate[i * this.map.shape[1] + j];  // in thousandths, as the video writes it
    return "α " + this.map.lr[i].toFixed(3) + "  β " + this.map.momentum[j].toFixed(2) + "  rate " + (r === this.map.rate_none ? "∞" : (r / 1000).toFixed(3));
  };
  Player.prototype.mapReadout = function () {
    if (!this.sel) return;
    var i = this.sel[0], j = this.sel[1], k = i * this.map.shape[1] + j;
    // the status as the video's (RateMap.status): "diverging" when the rate is not below 1,
    // else the tour's stop when the cursor was sent to one, else the rule's word for the run
    var word = this.status ? this.map.status_words[this.status[k]] : "";
    var diverging = this.rate[k] === this.map.rate_none || this.rate[k] >= 1000;
    if (this.stopName && this.stopName !== "diverging" && !diverging) word = this.stopName;
    var loss = this.finalLoss[k], at = this.divergedAt ? this.divergedAt[k] : null;
    // a float32 loss of exactly 0 is below float32's smallest number: not an exact 0
    var end = isFinite(loss) ? "loss after " + this.steps + " steps " + (loss === 0 ? "< 1.4e−45 (0 in float32)" : num(loss))
      : "diverged (non-finite from step " + (at !== null && at <= this.steps ? at : "?") + ")";
    this.mapInfo.textContent = this.describe(i, j) + " · " + end + (word ? " · " + word : "");
  };
  Player.prototype.mapHover = function (p) {
    var v = this.mapValues(p);
    if (!v) { this.tip.hidden = true; return; }
    var i = this.nearestIndex(this.map.lr, v[0]), j = this.nearestIndex(this.map.momentum, v[1]);
    this.tip.textContent = "";
    el("div", "dp-tip-head", this.tip, this.describe(i, j));
    el("div", "dp-tip-row", this.tip, "click: play this run");
    this.tip.dataset.run = i + "," + j;
    this.tip.hidden = false;
    this.tip.style.left = "calc(" + (p[0] / this.data.size[0] * 100) + "% + 14px)";
    this.tip.style.right = "";
    this.tip.style.top = (p[1] / this.data.size[1] * 100) + "%";
    this.keepTip();
  };
  Player.prototype.mapClick = function (p) {
    var v = this.mapValues(p);
    if (v) { this.showBeat(-1); this.stopName = null; this.selectValues(v[0], v[1]); }  // off the tour: no beat
  };

  /* in an iframe (a notebook's output, a docs page): tell the page around it how tall the
   * players are, so that it can show them whole (renders/player.py, iframe) */
  Player.reportHeight = function () {
    if (window.parent === window) return;
    var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (h && h !== Player.reported) {
      Player.reported = h;
      window.parent.postMessage({ descentPlayerHeight: h }, "*");
    }
  };
  Player.initAll = function () {
    var roots = document.querySelectorAll(".descent-player");
    for (var i = 0; i < roots.length; i++) if (!roots[i].descent) new Player(roots[i]);
  };
  window.DescentPlayer = Player;
  /* keys before any click: a page that holds one player gives it the keys pressed while
   * nothing else has focus (a docs page with several players: click one first) */
  document.addEventListener("keydown", function (e) {
    var a = document.activeElement, roots = document.querySelectorAll(".descent-player");
    if (e.defaultPrevented || roots.length !== 1 || !roots[0].descent) return;
    if (a && a !== document.body && a !== document.documentElement) return;
    if (["Home", "End", "ArrowLeft", "ArrowRight", " ", "Spacebar"].indexOf(e.key) < 0) return;
    roots[0].focus({ preventScroll: true });
    roots[0].dispatchEvent(new KeyboardEvent("keydown", { key: e.key, bubbles: true, cancelable: true }));
    e.preventDefault();
  });
  /* a frame that grows to its content (renders/player.py, iframe: a notebook's output) is
   * told the height of the page's viewport: the player fits that, not the frame (which
   * would shrink it step by step, each report a pixel shorter) */
  window.addEventListener("message", function (e) {
    var h = e.source === window.parent && e.data && e.data.descentViewportHeight;
    if (!(h > 0)) return;
    var roots = document.querySelectorAll(".descent-player");
    for (var i = 0; i < roots.length; i++) {
      roots[i].style.setProperty("--dp-vh", Math.round(h) + "px");
      if (roots[i].descent && roots[i].descent.ready) roots[i].descent.fitSoon();
    }
  });
  if (window.ResizeObserver && window.parent !== window) {
    new ResizeObserver(function () { Player.reportHeight(); }).observe(document.documentElement);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", Player.initAll);
  else Player.initAll();
})();
