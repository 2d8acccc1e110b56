/* Presence: while the article's form is open, it says so to the server every few seconds
   (articles/presence.py) and shows who else has the article open. The address and the
   interval come from the page's data attributes; nothing happens without them. */
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const status = document.querySelector("[data-presence-url]");
  if (!status) return;
  const url = status.dataset.presenceUrl;
  const token = status.closest("form").elements.csrfmiddlewaretoken.value;
  let timer = null;

  function body(extra) {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", token);
    if (extra) data.append(extra, "1");
    return data;
  }

  function show(message) {
    status.textContent = message;
    status.hidden = !message;
  }

  function ask() {
    fetch(url, { method: "POST", body: body(), credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (!response.ok) {
            // Deleted, or no longer ours to change: asking again would change nothing.
            window.clearInterval(timer);
            timer = null;
          }
          show(answer.message);
        });
      })
      .catch(function () { /* offline for a moment: the next word will tell */ });
  }

  ask();
  timer = window.setInterval(ask, parseInt(status.dataset.presenceSeconds, 10) * 1000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && timer !== null) ask();
  });
  window.addEventListener("pagehide", function () {
    navigator.sendBeacon(url, body("left"));
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && timer !== null) ask(); // back from the browser's page cache
  });
});
