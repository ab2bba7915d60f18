/* Inspections on a tablet, with or without signal.
 *
 * The draft lives in IndexedDB and is saved on every change (no timer), photos included as
 * Blobs, so closing the tab or a flat battery loses nothing. A completed inspection joins
 * the upload queue, which sends when the page loads, on the `online` event and on a backoff
 * of min(2^n - 1, 300) seconds; a record leaves the queue only once the server confirms it.
 * Every inspection and photo carries a uuid made here, and the server stores each once, so
 * any step may be sent again safely. Plain JavaScript, no build step.
 */
(function () {
  "use strict";

  var DB_NAME = "nte-inspections";
  var PAGES = "nte-pages-v1";
  var MAX_EDGE = 1600;

  // -- small helpers ------------------------------------------------------------------------

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) e.textContent = text;
    return e;
  }

  var csrf = (function () {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || ""; }
    catch (e) { return ""; }
  })();

  // -- IndexedDB ----------------------------------------------------------------------------

  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          var d = req.result;
          d.createObjectStore("drafts", { keyPath: "id" });
          d.createObjectStore("photos", { keyPath: "id" }).createIndex("draft", "draft");
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }

  function tx(store, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(store, mode);
        var result;
        var r = work(t.objectStore(store));
        if (r) r.onsuccess = function () { result = r.result; };
        t.oncomplete = function () { resolve(result); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }

  var put = function (store, value) { return tx(store, "readwrite", function (s) { return s.put(value); }); };
  var del = function (store, key) { return tx(store, "readwrite", function (s) { return s.delete(key); }); };
  var all = function (store) { return tx(store, "readonly", function (s) { return s.getAll(); }); };
  var photosOf = function (draftId) {
    return tx("photos", "readonly", function (s) { return s.index("draft").getAll(draftId); });
  };

  // -- the upload queue ---------------------------------------------------------------------

  var LABELS = { queued: "Queued", sending: "Sending", sent: "Sent", failed: "Failed" };
  var pumping = false;
  var again = false;
  var timer = null;
  var signedOut = false;

  function Problem(status, detail, final) {
    this.status = status; this.detail = detail; this.final = final;
  }

  function call(method, url, body) {
    var opts = { method: method, credentials: "same-origin", headers: { "x-csrftoken": csrf, accept: "application/json" } };
    if (body instanceof FormData) opts.body = body;
    else if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["content-type"] = "application/json"; }
    return fetch(url, opts).then(function (r) {
      if (r.ok) return r.json();
      return r.json().catch(function () { return {}; }).then(function (p) {
        var detail = p.detail || r.statusText || "The server refused it";
        if (r.status === 401) throw new Problem(401, "Signed out: sign in again and the queue goes on", false);
        // 4xx other than 401 will not change by sending again: the officer decides.
        throw new Problem(r.status, detail, r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429);
      });
    });
  }

  function send(draft) {
    var inspection;
    return call("POST", "/api/v1/venues/" + draft.venue + "/inspections", draft.start)
      .then(function (found) {
        inspection = found;
        return photosOf(draft.id);
      })
      .then(function (photos) {
        return photos.reduce(function (prev, p) {
          return prev.then(function () {
            var fd = new FormData();
            fd.append("client_uuid", p.id);
            fd.append("item_key", p.key);
            fd.append("photo", p.blob, "photo.jpg");
            return call("POST", "/api/v1/inspections/" + inspection.id + "/photos", fd);
          });
        }, Promise.resolve());
      })
      .then(function () {
        var known = {};
        inspection.items.forEach(function (i) { known[i.key] = true; });
        var items = Object.keys(draft.items).map(function (key) {
          var it = { key: key, result: draft.items[key].result || "not_checked", note: draft.items[key].note || "" };
          if (!known[key]) it.question = draft.questions[key] || key;
          return it;
        });
        return call("PATCH", "/api/v1/inspections/" + inspection.id, {
          items: items,
          summary: draft.summary || "",
          confidence_in_management: draft.confidence === "" || draft.confidence == null ? null : Number(draft.confidence),
          complete: true
        });
      })
      .then(function (done) { return done; });
  }

  function schedule(seconds) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(pump, seconds * 1000);
  }

  function pump() {
    if (signedOut) return Promise.resolve();
    if (pumping) { again = true; return Promise.resolve(); }  // the network came back mid-run
    pumping = true; again = false;
    var now = Date.now();
    return all("drafts").then(function (drafts) {
      var due = drafts.filter(function (d) {
        return (d.status === "queued" || d.status === "sending") && (!d.nextTry || d.nextTry <= now);
      });
      return due.reduce(function (prev, d) {
        return prev.then(function () {
          if (signedOut) return;
          d.status = "sending"; d.error = "";
          return put("drafts", d).then(render).then(function () { return send(d); }).then(function (done) {
            d.status = "sent"; d.serverId = done.id; d.sentAt = Date.now(); d.error = "";
            return put("drafts", d).then(function () {
              return photosOf(d.id).then(function (ps) {
                return Promise.all(ps.map(function (p) { return del("photos", p.id); }));
              });
            });
          }, function (err) {
            if (err instanceof Problem && err.status === 401) {
              signedOut = true; d.status = "queued"; d.error = err.detail;
            } else if (err instanceof Problem && err.final) {
              d.status = "failed"; d.error = err.detail;
            } else {
              d.attempts = (d.attempts || 0) + 1;
              var wait = Math.min(Math.pow(2, d.attempts) - 1, 300);
              d.status = "queued";
              d.error = navigator.onLine ? (err.detail || "The server did not answer") + "; trying again in " + wait + " s"
                                         : "No network: it will send when the network returns";
              d.nextTry = Date.now() + wait * 1000;
            }
            return put("drafts", d);
          }).then(render);
        });
      }, Promise.resolve()).then(function () { return all("drafts"); });
    }).then(function (drafts) {
      var waits = drafts.filter(function (d) { return d.status === "queued" && d.nextTry; })
        .map(function (d) { return Math.max(1, (d.nextTry - Date.now()) / 1000); });
      if (waits.length && !signedOut) schedule(Math.min.apply(null, waits));
    }).catch(function () { /* IndexedDB closed while the page unloads */ }).then(function () {
      pumping = false;
      if (again) return pump();
      return render();
    });
  }

  function render() {
    var list = document.getElementById("queue");
    if (!list) return Promise.resolve();
    return all("drafts").then(function (drafts) {
      var day = Date.now() - 24 * 3600 * 1000;
      var shown = drafts.filter(function (d) { return d.status !== "draft" && !(d.status === "sent" && d.sentAt < day); });
      shown.sort(function (a, b) { return (a.completedAt || 0) - (b.completedAt || 0); });
      list.textContent = "";
      if (!shown.length) { list.appendChild(el("li", { class: "muted" }, "Nothing waiting.")); return; }
      shown.forEach(function (d) {
        var li = el("li", { class: "queue-item status-" + d.status, "data-status": d.status, "data-uuid": d.id });
        var head = el("p");
        head.appendChild(el("strong", {}, d.venueName || "Inspection"));
        head.appendChild(document.createTextNode(" "));
        head.appendChild(el("span", { class: "chip queue-" + d.status }, LABELS[d.status]));
        li.appendChild(head);
        if (d.error) li.appendChild(el("p", { class: "muted" }, d.error));
        if (d.status === "queued" && signedOut) {
          var a = el("a", { class: "button", href: "/login?next=" + encodeURIComponent(location.pathname + location.search) }, "Sign in again to send");
          li.appendChild(a);
        }
        if (d.status === "sent" && d.serverId) {
          li.appendChild(el("a", { class: "button", href: "/inspections/" + d.serverId + "/report" }, "Report of " + (d.venueName || "the inspection")));
        }
        if (d.status === "failed") {
          var actions = el("div", { class: "form-actions" });
          var retry = el("button", { class: "button primary", type: "button" }, "Retry sending");
          retry.addEventListener("click", function () {
            d.status = "queued"; d.nextTry = 0; d.attempts = 0; d.error = "";
            put("drafts", d).then(pump);
          });
          var discard = el("button", { class: "button danger", type: "button" }, "Discard");
          discard.addEventListener("click", function () {
            if (!window.confirm("Discard the inspection of " + (d.venueName || "this venue") + "? What was recorded on this tablet will be lost.")) return;
            photosOf(d.id).then(function (ps) {
              return Promise.all(ps.map(function (p) { return del("photos", p.id); }));
            }).then(function () { return del("drafts", d.id); }).then(render);
          });
          actions.appendChild(retry); actions.appendChild(discard);
          li.appendChild(actions);
        }
        list.appendChild(li);
      });
    });
  }

  // -- photos -------------------------------------------------------------------------------

  function resize(file) {
    // Longest edge 1600 px, JPEG: a few hundred KB instead of a camera's several MB.
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
      var scale = Math.min(1, MAX_EDGE / Math.max(bmp.width, bmp.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bmp.width * scale));
      canvas.height = Math.max(1, Math.round(bmp.height * scale));
      canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve, reject) {
        canvas.toBlob(function (b) { b ? resolve(b) : reject(new Error("The photo could not be read")); }, "image/jpeg", 0.85);
      });
    }, function () { throw new Error("That file is not a photo the tablet can read"); });
  }

  // -- the inspection page ------------------------------------------------------------------

  function inspectionPage(root) {
    var form = document.getElementById("inspection-form");
    var status = document.getElementById("draft-status");
    var startPanel = document.getElementById("start-panel");
    var afterPanel = document.getElementById("after-panel");
    var errorBox = document.getElementById("form-error");
    var page = location.pathname + location.search;
    var venueName = (document.querySelector("h1") || {}).textContent || "";
    venueName = venueName.replace(/^Inspect /, "");
    var draft = null;

    function fieldsets() { return Array.prototype.slice.call(form.querySelectorAll("fieldset.item")); }

    function save() {
      draft.updatedAt = Date.now();
      return put("drafts", draft).then(function () {
        status.textContent = "Draft saved on this tablet " + new Date().toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" }) + ".";
      });
    }

    function outcome() {
      var results = Object.keys(draft.items).map(function (k) { return draft.items[k].result; });
      var o = results.indexOf("major") >= 0 ? "Major breach" : results.indexOf("minor") >= 0 ? "Minor breach" : "Compliant";
      document.getElementById("outcome").textContent = "Outcome so far: " + o + ".";
    }

    function showPhoto(fs, photo) {
      var list = fs.querySelector(".photos");
      var li = el("li", { "data-photo": photo.id });
      var img = el("img", { alt: "Photo for: " + fs.getAttribute("data-question") });
      img.src = URL.createObjectURL(photo.blob);
      var remove = el("button", { class: "button", type: "button" }, "Remove photo");
      remove.addEventListener("click", function () {
        del("photos", photo.id).then(function () { li.remove(); status.textContent = "Photo removed from the draft."; });
      });
      li.appendChild(img); li.appendChild(remove);
      list.appendChild(li);
    }

    function fill() {
      fieldsets().forEach(function (fs) {
        var key = fs.getAttribute("data-key");
        draft.questions[key] = fs.getAttribute("data-question");
        var saved = draft.items[key] || {};
        fs.querySelectorAll("input[type=radio]").forEach(function (r) { r.checked = r.value === saved.result; });
        fs.querySelector("textarea").value = saved.note || "";
        fs.querySelector(".photos").textContent = "";
      });
      form.querySelectorAll("input[name=confidence]").forEach(function (r) { r.checked = r.value === String(draft.confidence); });
      form.querySelector("#summary").value = draft.summary || "";
      return photosOf(draft.id).then(function (photos) {
        photos.sort(function (a, b) { return a.added - b.added; });
        photos.forEach(function (p) {
          var fs = form.querySelector('fieldset.item[data-key="' + p.key + '"]');
          if (fs) showPhoto(fs, p);
        });
        outcome();
      });
    }

    function open(d) {
      draft = d;
      startPanel.hidden = true; afterPanel.hidden = true; form.hidden = false;
      return fill().then(function () {
        status.textContent = "Draft kept on this tablet: every change is saved as you go, with or without signal.";
      });
    }

    function start() {
      var d = {
        id: uuid(), page: page, venue: Number(root.getAttribute("data-venue")), venueName: venueName,
        status: "draft", items: {}, questions: {}, summary: "", confidence: "", createdAt: Date.now(),
        start: {
          client_uuid: null, kind: root.getAttribute("data-kind") || "planned",
          reason: root.getAttribute("data-reason") || "", started_at: new Date().toISOString()
        }
      };
      d.start.client_uuid = d.id;
      var visit = root.getAttribute("data-visit");
      return all("drafts").then(function (drafts) {
        // A visit has one inspection: another started on this page is not the visit's.
        var taken = drafts.some(function (o) { return o.start && o.start.visit_id === Number(visit); });
        if (visit && !taken) d.start.visit_id = Number(visit);
        return put("drafts", d);
      }).then(function () {
        // Tell the server at once when there is a network; the queue repeats it (same body) later.
        if (navigator.onLine) call("POST", "/api/v1/venues/" + d.venue + "/inspections", d.start).catch(function () {});
        return open(d);
      });
    }

    form.addEventListener("change", function (ev) {
      var t = ev.target;
      if (!draft) return;
      var fs = t.closest("fieldset.item");
      if (t.type === "file") {
        var file = t.files && t.files[0];
        if (!file) return;
        status.textContent = "Adding the photo…";
        resize(file).then(function (blob) {
          var photo = { id: uuid(), draft: draft.id, key: fs.getAttribute("data-key"), blob: blob, added: Date.now() };
          return put("photos", photo).then(function () {
            showPhoto(fs, photo);
            t.value = "";
            status.textContent = "Photo kept with the draft (" + Math.round(blob.size / 1024) + " KB).";
          });
        }).catch(function (e) { status.textContent = e.message; });
        return;
      }
      if (t.name === "confidence") draft.confidence = t.value;
      else if (fs && t.type === "radio") {
        var key = fs.getAttribute("data-key");
        draft.items[key] = draft.items[key] || {};
        draft.items[key].result = t.value;
        outcome();
      }
      save();
    });

    form.addEventListener("input", function (ev) {
      var t = ev.target;
      if (!draft || t.tagName !== "TEXTAREA") return;
      if (t.id === "summary") draft.summary = t.value;
      else {
        var key = t.closest("fieldset.item").getAttribute("data-key");
        draft.items[key] = draft.items[key] || {};
        draft.items[key].note = t.value;
      }
      save();
    });

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (draft.confidence === "" || draft.confidence == null) {
        errorBox.hidden = false;
        errorBox.textContent = "Confidence in management is required to complete the inspection.";
        form.querySelector("input[name=confidence]").focus();
        return;
      }
      errorBox.hidden = true;
      // Items left unanswered are recorded as not checked, never dropped.
      fieldsets().forEach(function (fs) {
        var key = fs.getAttribute("data-key");
        draft.items[key] = draft.items[key] || {};
        draft.items[key].result = draft.items[key].result || "not_checked";
      });
      draft.status = "queued"; draft.completedAt = Date.now(); draft.nextTry = 0; draft.attempts = 0;
      put("drafts", draft).then(function () {
        form.hidden = true; afterPanel.hidden = false;
        status.textContent = "Completed. It is in the upload queue and sends by itself when there is a network.";
        draft = null;
        return render().then(pump);
      });
    });

    document.getElementById("start").addEventListener("click", start);
    document.getElementById("start-another").addEventListener("click", start);

    return all("drafts").then(function (drafts) {
      var mine = drafts.filter(function (d) { return d.page === page && d.status === "draft"; });
      if (mine.length) return open(mine[0]);
      startPanel.hidden = false;
      status.textContent = "Nothing recorded yet. Start when you are on site: the draft is kept on this tablet.";
    });
  }

  // -- my visits: make the day's visits available offline ------------------------------------

  function visitsPage(button) {
    var status = document.getElementById("offline-status");
    button.addEventListener("click", function () {
      var urls = (button.getAttribute("data-urls") || "").split(" ").filter(Boolean);
      urls.push("/visits", "/static/app.css", "/static/inspection.js");
      status.textContent = "Saving " + (urls.length - 3) + " visits for offline use…";
      caches.open(PAGES).then(function (c) { return c.addAll(urls); }).then(function () {
        status.textContent = (urls.length - 3) + " visit" + (urls.length === 4 ? "" : "s") + " ready offline, with their checklists.";
      }, function () {
        status.textContent = "Could not save the visits for offline use: is there a network?";
      });
    });
    var locate = document.getElementById("locate");
    if (locate) locate.addEventListener("click", function () {
      if (!navigator.geolocation) return;
      navigator.geolocation.getCurrentPosition(function (pos) {
        location.search = "?lat=" + pos.coords.latitude.toFixed(5) + "&lon=" + pos.coords.longitude.toFixed(5);
      }, function () { status.textContent = "The tablet did not share its location."; });
    });
  }

  // -- start ----------------------------------------------------------------------------------

  // The page as the server sent it, kept for offline reloads (before this script changes it).
  var pristine = "<!doctype html>\n" + document.documentElement.outerHTML;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      if (!window.caches || !document.getElementById("inspection")) return;
      return caches.open(PAGES).then(function (c) {
        return c.put(location.pathname + location.search, new Response(pristine, { headers: { "content-type": "text/html; charset=utf-8" } }));
      });
    }).catch(function () { /* no service worker (plain http): the draft still lives in IndexedDB */ });
  }

  var root = document.getElementById("inspection");
  if (root) inspectionPage(root).then(render).then(pump);
  var offline = document.getElementById("offline-visits");
  if (offline) visitsPage(offline);
  if (!root) render().then(pump);
  window.addEventListener("online", function () {
    all("drafts").then(function (ds) {
      return Promise.all(ds.filter(function (d) { return d.status === "queued"; }).map(function (d) {
        d.nextTry = 0; return put("drafts", d);
      }));
    }).then(pump);
  });
})();
