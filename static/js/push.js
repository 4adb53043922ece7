// Web Push from the asker's private page (dialogue/push.py): this browser subscribes with the
// installation's VAPID key, through the site's service worker (/sw.js, which shows each
// notification and opens its page on a tap), and hands the subscription to the private link's
// address. Offered only where the browser has the Push API.
const box = document.getElementById("push");
const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

if (box && supported) {
  const on = box.querySelector('[data-push="on"]');
  const off = box.querySelector('[data-push="off"]');
  const status = document.getElementById("push-status");
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
  const key = Uint8Array.from(atob(box.dataset.key.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

  const tell = (state) => {
    status.textContent = box.dataset[state] || "";
    on.hidden = state === "on";
    off.hidden = state !== "on";
  };
  const post = async (fields) => {
    const response = await fetch(box.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf },
      body: new URLSearchParams(fields),
    });
    if (!response.ok) throw new Error(String(response.status));
  };
  const registration = () => navigator.serviceWorker.register("/sw.js", { scope: "/" });

  box.hidden = false;
  registration()
    .then((reg) => reg.pushManager.getSubscription())
    .then((existing) => { if (existing) tell("on"); })
    .catch(() => {});

  on.addEventListener("click", async () => {
    try {
      if ((await Notification.requestPermission()) !== "granted") { tell("denied"); return; }
      const reg = await registration();
      await navigator.serviceWorker.ready;
      const subscription = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      const { endpoint, keys } = subscription.toJSON();
      await post({ endpoint, p256dh: keys.p256dh, auth: keys.auth });
      tell("on");
    } catch {
      tell("failed");
    }
  });
  off.addEventListener("click", async () => {
    try {
      const reg = await registration();
      const subscription = await reg.pushManager.getSubscription();
      if (subscription) {
        await post({ endpoint: subscription.endpoint, remove: "1" });
        await subscription.unsubscribe();
      }
      tell("off");
    } catch {
      tell("failed");
    }
  });
}
