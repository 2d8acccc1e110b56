/* The article form's tags field: existing tags offered while the editor types, so that
   "Climate policy" is picked rather than retyped as "Climate polcy", a new tag. The names
   come from the admin endpoint named in the field's data-tag-names-url; the name being
   completed is the one around the caret, between commas. Plain DOM, no build step; a
   field without the attribute (a read-only page) is left alone. */
"use strict";

(function () {
  const WAIT_MS = 150;

  // As format_tag_names() in articles/forms.py writes a name.
  function written(name) {
    return name.includes(",") || name.startsWith('"') ? '"' + name.replace(/"/g, '""') + '"' : name;
  }

  function typedNames(value) {
    return value.split(",").map(function (name) {
      return name.replace(/^\s*"|"\s*$/g, "").trim().toLowerCase();
    });
  }

  function setUp(field) {
    const address = field.dataset.tagNamesUrl;
    const wrapper = document.createElement("span");
    wrapper.className = "tag-names";
    field.parentNode.insertBefore(wrapper, field);
    const list = document.createElement("ul");
    list.id = field.id + "-suggestions";
    list.className = "tag-names__list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Existing tags");
    list.hidden = true;
    wrapper.append(field, list);
    field.setAttribute("role", "combobox");
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-controls", list.id);
    field.setAttribute("aria-expanded", "false");

    let active = -1;
    let latest = 0;
    let timer = null;

    function part() {
      const value = field.value;
      const caret = field.selectionStart === null ? value.length : field.selectionStart;
      const start = value.lastIndexOf(",", caret - 1) + 1;
      let end = value.indexOf(",", caret);
      if (end === -1) end = value.length;
      return { start: start, end: end, term: value.slice(start, end).trim() };
    }

    function options() {
      return list.querySelectorAll("[role=option]");
    }

    function close() {
      latest += 1; // an answer still on its way is dropped
      list.hidden = true;
      list.replaceChildren();
      active = -1;
      field.setAttribute("aria-expanded", "false");
      field.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      const all = options();
      active = index;
      all.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) {
        field.setAttribute("aria-activedescendant", all[index].id);
        all[index].scrollIntoView({ block: "nearest" });
      } else {
        field.removeAttribute("aria-activedescendant");
      }
    }

    function choose(name) {
      const where = part();
      const before = field.value.slice(0, where.start).trimEnd();
      const after = field.value.slice(where.end).replace(/^,\s*/, "");
      const chosen = (before ? before + " " : "") + written(name) + ", ";
      field.value = chosen + after;
      field.setSelectionRange(chosen.length, chosen.length);
      close();
      field.focus();
    }

    function show(names) {
      const taken = typedNames(field.value);
      const current = part().term.toLowerCase();
      const offered = names.filter(function (name) {
        const lower = name.toLowerCase();
        return lower === current || !taken.includes(lower);
      });
      if (!offered.length) {
        close();
        return;
      }
      list.replaceChildren.apply(list, offered.map(function (name, i) {
        const option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = name;
        // Keeps the focus in the field, which a blur would close the list for.
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { choose(name); });
        return option;
      }));
      active = -1;
      list.hidden = false;
      field.setAttribute("aria-expanded", "true");
    }

    function lookUp() {
      const term = part().term;
      if (!term) {
        close();
        return;
      }
      const request = ++latest;
      const url = new URL(address, window.location.href);
      url.searchParams.set("term", term);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          if (request === latest) show(data.names || []);
        })
        .catch(function () {
          if (request === latest) close();
        });
    }

    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookUp, WAIT_MS);
    });
    field.addEventListener("keydown", function (event) {
      const count = options().length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        highlight((active + 1) % count);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        highlight((active - 1 + count) % count);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault(); // chooses the name; the form is not sent
        choose(options()[active].textContent);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    field.addEventListener("blur", close);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-tag-names-url]").forEach(setUp);
  });
})();
