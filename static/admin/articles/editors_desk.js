/* The editor's desk: live character counts, search and social previews, the lead
   figure's thumbnail, the warning a public article's new slug brings, the credit a
   photo carries and the reviewer links' buttons. Plain DOM, no build step; every
   feature does nothing when its elements are absent (view-only pages). */
"use strict";

(function () {
  function value(id) {
    const field = document.getElementById(id);
    return field ? field.value.trim() : "";
  }

  function truncate(text, limit) {
    return text.length > limit ? text.slice(0, limit - 1) + "…" : text;
  }

  function setUpCounters() {
    document.querySelectorAll("[data-recommended-length]").forEach(function (field) {
      const limit = parseInt(field.dataset.recommendedLength, 10);
      const counter = document.createElement("span");
      counter.className = "char-count";
      counter.id = field.id + "-count";
      field.setAttribute("aria-describedby", [field.getAttribute("aria-describedby"), counter.id].filter(Boolean).join(" "));
      field.insertAdjacentElement("afterend", counter);
      function update() {
        const length = field.value.length;
        counter.textContent = length + " / " + limit + " characters";
        counter.classList.toggle("char-count--over", length > limit);
      }
      field.addEventListener("input", update);
      update();
    });
  }

  // The same fallbacks as Article.display_* in articles/models.py.
  const previews = {
    slug: function () { return value("id_slug"); },
    title: function () { return value("id_title") || value("id_headline"); },
    description: function () { return value("id_description") || value("id_lede"); },
    social_title: function () {
      return value("id_social_title") || value("id_title") || value("id_headline");
    },
    social_description: function () {
      return value("id_social_description") || value("id_description") || value("id_lede");
    },
  };

  function updatePreviews() {
    document.querySelectorAll(".desk-previews [data-preview]").forEach(function (element) {
      const compute = previews[element.dataset.preview];
      if (!compute) return;
      const limit = parseInt(element.dataset.limit || "0", 10);
      const text = compute();
      element.textContent = limit ? truncate(text, limit) : text;
    });
  }

  function setUpPreviews() {
    if (!document.querySelector(".desk-previews")) return;
    ["id_slug", "id_title", "id_headline", "id_description", "id_lede",
     "id_social_title", "id_social_description"].forEach(function (id) {
      const field = document.getElementById(id);
      if (field) {
        field.addEventListener("input", updatePreviews);
        field.addEventListener("change", updatePreviews);
      }
    });
  }

  function thumbnailImage(data, width) {
    const image = document.createElement("img");
    image.src = data.url;
    image.alt = "";
    image.width = width;
    if (data.width && data.height) image.height = Math.round(data.height * width / data.width);
    image.className = "admin-thumbnail";
    return image;
  }

  function showLeadFigure(figureId) {
    const panel = document.querySelector(".lead-figure-preview");
    const card = document.querySelector(".desk-previews [data-preview='image']");
    if (!panel) return;
    function show(element, content) {
      if (element) element.replaceChildren(content);
    }
    if (!figureId) {
      show(panel, document.createTextNode("No lead figure."));
      show(card, document.createTextNode(""));
      return;
    }
    const url = panel.dataset.thumbnailUrl.replace("/0/thumbnail/", "/" + encodeURIComponent(figureId) + "/thumbnail/");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        if (!data.url) {
          show(panel, document.createTextNode("This figure has no image file yet."));
          show(card, document.createTextNode(""));
          return;
        }
        show(panel, thumbnailImage(data, 240));
        show(card, thumbnailImage(data, 300));
      })
      .catch(function () {
        show(panel, document.createTextNode("Save to see the new lead figure."));
      });
  }

  function setUpLeadFigure() {
    const select = document.getElementById("id_lead_figure");
    if (!select || !document.querySelector(".lead-figure-preview")) return;
    const onChange = function () { showLeadFigure(select.value); };
    // The autocomplete widget (Select2) announces changes through jQuery only.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(select).on("change", onChange);
    } else {
      select.addEventListener("change", onChange);
    }
  }

  // As soon as a photo is chosen, the server reads whom it credits (from the first
  // bytes of a JPEG, where its metadata lives) and the credit that matches; the form says
  // so and, when no credit is chosen yet, chooses it. Nothing is stored until saving.
  function setUpCreditFromFile() {
    const input = document.querySelector("input[type=file][data-credit-url]");
    const form = input && input.form;
    if (!form) return;
    const select = document.getElementById("id_credit");
    const status = document.createElement("p");
    status.id = input.id + "-credit";
    status.className = "credit-from-file";
    status.setAttribute("role", "status");
    status.hidden = true;
    input.insertAdjacentElement("afterend", status);
    let latest = 0;
    input.addEventListener("change", function () {
      const request = ++latest;
      status.hidden = true;
      status.textContent = "";
      const file = input.files && input.files[0];
      if (!file) return;
      const probe = parseInt(input.dataset.creditProbeBytes, 10);
      const body = new FormData();
      body.append("image", file.type === "image/jpeg" ? file.slice(0, probe) : file, file.name);
      if (select && select.value) body.append("chosen", select.value);
      const token = form.querySelector("[name=csrfmiddlewaretoken]");
      fetch(input.dataset.creditUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" },
      })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          if (request !== latest || !data.message) return;
          status.textContent = data.message;
          status.hidden = false;
          if (data.credit && select && !select.value) {
            select.append(new Option(data.credit.text, data.credit.id, true, true));
            // The autocomplete widget (Select2) hears of changes through jQuery only.
            if (window.django && window.django.jQuery) {
              window.django.jQuery(select).trigger("change");
            } else {
              select.dispatchEvent(new Event("change"));
            }
          }
        })
        .catch(function () {});  // no proposal; saving still reads the credit
    });
  }

  // A public article's slug field carries, from the server, what a new slug means.
  function setUpSlugWarning() {
    const field = document.getElementById("id_slug");
    if (!field || !field.dataset.changeWarning) return;
    const original = field.value;
    const warning = document.createElement("p");
    warning.id = "id_slug-change-warning";
    warning.className = "slug-change-warning";
    warning.setAttribute("role", "status");
    warning.textContent = field.dataset.changeWarning;
    warning.hidden = true;
    field.setAttribute("aria-describedby", [field.getAttribute("aria-describedby"), warning.id].filter(Boolean).join(" "));
    field.insertAdjacentElement("afterend", warning);
    function update() { warning.hidden = field.value.trim() === original.trim(); }
    field.addEventListener("input", update);
    field.addEventListener("change", update);
  }

  // Making or revoking a reviewer link posts a form of its own, then shows the article
  // again: edits not yet saved would be lost, so ask first.
  function setUpReviewerLinkForms() {
    const article = document.getElementById("article_form");
    if (!article) return;
    let edited = false;
    const markEdited = function () { edited = true; };
    article.addEventListener("input", markEdited);
    article.addEventListener("change", markEdited);
    document.querySelectorAll("form[data-unsaved-warning]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (edited && !window.confirm(form.dataset.unsavedWarning)) event.preventDefault();
      });
    });
  }

  function setUpCopyButtons() {
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.addEventListener("click", function () {
        const field = document.getElementById(button.dataset.copyTarget);
        if (!field) return;
        field.select();
        const done = function () { button.textContent = "Copied"; };
        if (navigator.clipboard) {
          navigator.clipboard.writeText(field.value).then(done, function () {});
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpCounters();
    setUpPreviews();
    setUpLeadFigure();
    setUpSlugWarning();
    setUpCreditFromFile();
    setUpReviewerLinkForms();
    setUpCopyButtons();
  });
})();
