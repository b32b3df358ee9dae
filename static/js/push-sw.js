// Service worker for Web Push: show BillingOne's notification and open its deep link on click.
self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { title: "BillingOne", body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(data.title || "BillingOne", {
      body: data.body || "",
      tag: data.event || undefined,
      data: { url: data.url || "/" },
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/";
  // Only our own pages: the payload comes from our server, but never follow another origin.
  if (new URL(url, self.location.origin).origin !== self.location.origin) url = "/";
  event.waitUntil(self.clients.openWindow(url));
});
