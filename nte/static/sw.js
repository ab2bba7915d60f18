/* The service worker for offline inspections: keeps the app shell, "my visits" and the
 * inspection pages (with their checklists) so the tablet can open and reload them without
 * signal. Drafts and the upload queue are the page's (IndexedDB), never this file's. */
"use strict";

var SHELL = "nte-shell-v1";
var PAGES = "nte-pages-v1";
var SHELL_FILES = ["/static/app.css", "/static/inspection.js"];
var OFFLINE_PAGE = /^\/(visits|venues\/\d+\/inspect)$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (c) { return c.addAll(SHELL_FILES); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== SHELL && n !== PAGES; }).map(function (n) {
      return caches.delete(n);
    }));
  }).then(function () { return self.clients.claim(); }));
});

function networkFirst(request) {
  // A page from the network when there is one (fresh checklist, fresh CSRF token); the kept
  // copy when there is none, or when the network hangs in a basement for more than 4 s.
  var fromCache = function () {
    return caches.open(PAGES).then(function (c) { return c.match(request); }).then(function (hit) {
      return hit || new Response("<!doctype html><title>Offline</title><p>This page was not saved for offline use. " +
        "Open <a href=\"/visits\">My visits</a> while online and make the day's visits available offline.</p>",
        { status: 503, headers: { "content-type": "text/html; charset=utf-8" } });
    });
  };
  return new Promise(function (resolve) {
    var done = false;
    var timer = setTimeout(function () { if (!done) { done = true; resolve(fromCache()); } }, 4000);
    fetch(request).then(function (response) {
      if (done) return;
      done = true; clearTimeout(timer);
      // A redirect is the login page (the session ended): shown, never kept as the page.
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(PAGES).then(function (c) { return c.put(request, copy); });
      }
      resolve(response);
    }, function () {
      if (done) return;
      done = true; clearTimeout(timer);
      resolve(fromCache());
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (SHELL_FILES.indexOf(url.pathname) >= 0) {
    // The shell from the cache, refreshed behind it for next time.
    // Pages link them with a content hash (?v=...): any version kept serves until the fresh one lands.
    event.respondWith(caches.open(SHELL).then(function (c) {
      return c.match(request, { ignoreSearch: true }).then(function (hit) {
        var fresh = fetch(request).then(function (r) { if (r.ok) c.put(request, r.clone()); return r; });
        return hit || fresh;
      });
    }));
    return;
  }
  if (request.mode === "navigate" && OFFLINE_PAGE.test(url.pathname)) {
    event.respondWith(networkFirst(request));
  }
});
