/* Autosave: the article form's text sent to the server every few seconds while it changes
   (articles/models/autosave.py), so that a crashed browser loses nothing, and put back in
   the form with one click when the page offers it. The address, the fields and the
   interval come from the page's data attributes; nothing happens without them. */
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const status = document.querySelector("[data-autosave-url]");
  if (!status) return;
  const form = status.closest("form");
  const names = status.dataset.autosaveFields.split(" ");

  function values() {
    const data = new FormData();
    names.forEach(function (name) {
      const field = form.elements[name];
      if (field) data.append(name, field.value);
    });
    return data;
  }

  // A new article's form: its text is kept under the key the page gave the form.
  function withFormKey(data) {
    const key = form.elements.autosave_form_key;
    if (key) data.append("form_key", key.value);
    return data;
  }

  function signature(data) {
    return JSON.stringify(Array.from(data.entries()));
  }

  let kept = signature(values()); // the page as loaded: nothing to keep yet
  let submitting = false;
  let sending = false;
  form.addEventListener("submit", function () { submitting = true; });

  function send() {
    const data = values();
    const now = signature(data);
    if (submitting || sending || now === kept) return;
    data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    sending = true;
    fetch(status.dataset.autosaveUrl, {
      method: "POST", body: withFormKey(data), credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (answer) {
        kept = now;
        status.textContent = answer.message;
      })
      .catch(function () {
        status.textContent = "Autosave failed: until you save, your text is only in this page.";
      })
      .finally(function () { sending = false; });
  }
  window.setInterval(send, parseInt(status.dataset.autosaveSeconds, 10) * 1000);

  const restore = document.querySelector("[data-autosave-restore]");
  if (restore) {
    restore.addEventListener("click", function () {
      const fields = JSON.parse(restore.dataset.autosaveRestore);
      Object.keys(fields).forEach(function (name) {
        const field = form.elements[name];
        if (!field) return;
        field.value = fields[name];
        field.dispatchEvent(new Event("input", { bubbles: true }));
        // As if typed: the admin's slug prepopulation listens for "change".
        field.dispatchEvent(new Event("change", { bubbles: true }));
      });
      // The text goes on under its own key: saving the form then deletes it.
      if (restore.dataset.autosaveFormKey && form.elements.autosave_form_key) {
        form.elements.autosave_form_key.value = restore.dataset.autosaveFormKey;
      }
      restore.closest(".autosave-found").hidden = true;
      status.textContent = "Your unsaved text is back in the form: save to keep it.";
    });
  }
});
