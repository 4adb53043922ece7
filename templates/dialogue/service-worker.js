{% load static %}/* The platform's service worker: the shell from cache, pages from the network, offline page. */
const CACHE = "doithoai-{{ version|escapejs }}";
const OFFLINE = "{{ offline_url|escapejs }}";
const SHELL = [OFFLINE, "{% static 'css/site.css' %}", "{% static 'js/live-socket.js' %}", "{% static 'js/event.js' %}", "{% static 'icons/icon-192.png' %}"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages are always fresh (questions, votes, sign-in); offline, the last copy or a notice.
    event.respondWith(
      fetch(request).catch(() => caches.match(request).then((hit) => hit || caches.match(OFFLINE))),
    );
    return;
  }
  if (new URL(request.url).pathname.startsWith("{{ static_prefix|default:'/static/'|escapejs }}")) {
    // Static files change name when they change (hashed in production): cache first.
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })),
    );
  }
});
