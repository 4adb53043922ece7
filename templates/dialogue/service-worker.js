{% load static i18n %}/* The platform's service worker: the shell from cache, pages from the network, and offline the
   last copy of a public page visited, or the offline page. */
const CACHE = "doithoai-{{ version|escapejs }}";
const PAGES = "doithoai-pages-{{ version|escapejs }}";
const MAX_PAGES = 30;
const OFFLINE = "{{ offline_url|escapejs }}";
const SHELL = [OFFLINE, "{% static 'css/site.css' %}", "{% static 'js/live-socket.js' %}", "{% static 'js/event.js' %}", "{% static 'icons/icon-192.png' %}"];
// Pages never kept: the staff's (consoles, reports, admin), the account's, and every page whose
// address is a secret link (the one list of events/secret_paths.py: an asker's private page, the
// stage, an invitation, allauth's keys). The server also marks private pages no-store; this
// list holds even where it forgets.
const SECRET = {{ secret_paths|safe }}.map((source) => new RegExp(source));
const PRIVATE = [
  /^\/manage\//, /^\/admin\//, /^\/accounts\//, /^\/account\//, /^\/reports\//,
  /^\/consultation\/manage\//, /^\/e\/[^/]+\/(moderate|answer)\//, ...SECRET,
];
const SIGN_OUT = "{{ sign_out_url|escapejs }}";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE && key !== PAGES).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

function keepable(request, response) {
  if (response.status !== 200 || response.type !== "basic") return false;
  const url = new URL(response.url || request.url);
  if (url.origin !== self.location.origin) return false;
  if (PRIVATE.some((pattern) => pattern.test(url.pathname))) return false;
  const control = (response.headers.get("Cache-Control") || "").toLowerCase();
  if (/\b(no-store|private)\b/.test(control)) return false;
  return (response.headers.get("Content-Type") || "").startsWith("text/html");
}

async function keep(request, response) {
  const cache = await caches.open(PAGES);
  // Delete, then put: the newest visit goes last, and the oldest are dropped past the bound.
  await cache.delete(request, { ignoreVary: true });
  await cache.put(request, response);
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PAGES)).map((key) => cache.delete(key)));
}

async function page(event) {
  const request = event.request;
  try {
    const response = await fetch(request);
    if (keepable(request, response)) event.waitUntil(keep(request, response.clone()));
    return response;
  } catch (error) {
    const copy = await caches.match(request, { cacheName: PAGES, ignoreVary: true });
    return copy || (await caches.match(OFFLINE));
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (new URL(request.url).origin !== self.location.origin) return;
  if (request.method === "POST" && new URL(request.url).pathname === SIGN_OUT) {
    // Signing out forgets the pages kept while signed in: they may show the account's name.
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    // Pages are always fresh (questions, votes, sign-in); offline, the last copy or a notice.
    event.respondWith(page(event));
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

// Web Push (dialogue/push.py): a step of the asker's question, shown as a notification; a tap
// opens its page (an address of this site only).
self.addEventListener("push", (event) => {
  let message = {};
  try { message = event.data ? event.data.json() : {}; } catch { message = {}; }
  const title = message.title || "{% filter escapejs %}{% translate "Policy and law dialogues" %}{% endfilter %}";
  event.waitUntil(self.registration.showNotification(title, {
    body: message.body || "",
    icon: "{% static 'icons/icon-192.png' %}",
    data: { url: message.url || "/" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  let url = new URL(event.notification.data?.url || "/", self.location.origin);
  if (url.origin !== self.location.origin) url = new URL("/", self.location.origin);
  event.waitUntil(self.clients.openWindow(url.href));
});
