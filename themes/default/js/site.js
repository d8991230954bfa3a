// sitegen themes: the dark-mode toggle, the phone menu and copy buttons on code blocks.
// Plain JavaScript, no dependencies; without it the site still works (the menu stays open,
// the colours follow the system). The saved theme is applied by an inline script in <head>
// before the first paint, so a page never flashes the wrong colours.
(function () {
  "use strict";
  var root = document.documentElement;
  var KEY = "sitegen-theme";

  function isDark() {
    var chosen = root.getAttribute("data-theme");
    if (chosen) return chosen === "dark";
    return window.matchMedia("(prefers-color-scheme: dark)").matches;
  }

  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    var show = function () { toggle.setAttribute("aria-pressed", String(isDark())); };
    toggle.hidden = false;
    show();
    toggle.addEventListener("click", function () {
      var next = isDark() ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem(KEY, next); } catch (e) { /* private mode: this page only */ }
      show();
    });
  }

  var menu = document.querySelector(".menu-toggle");
  var nav = menu && document.getElementById(menu.getAttribute("aria-controls"));
  if (menu && nav) {
    var setOpen = function (open) {
      menu.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("is-open", open);
    };
    menu.addEventListener("click", function () {
      setOpen(menu.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && nav.classList.contains("is-open")) {
        setOpen(false);
        menu.focus();
      }
    });
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand("copy");
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  // Task-list checkboxes come from Markdown without a <label>: name each by its item's text.
  Array.prototype.forEach.call(document.querySelectorAll(".task-list-item > input"), function (box) {
    if (!box.labels || !box.labels.length) box.setAttribute("aria-label", box.parentNode.textContent.trim());
  });

  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("aria-live", "polite");
  document.body.appendChild(status);

  Array.prototype.forEach.call(document.querySelectorAll(".prose pre"), function (pre) {
    var box = document.createElement("div");
    box.className = "code-box";
    pre.parentNode.insertBefore(box, pre);
    box.appendChild(pre);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-code";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy code");
    button.addEventListener("click", function () {
      copyText(pre.innerText.replace(/\n$/, "")).then(
        function () { status.textContent = "Copied to the clipboard"; button.textContent = "Copied"; },
        function () { status.textContent = "Could not copy"; button.textContent = "Copy"; }
      );
      setTimeout(function () { button.textContent = "Copy"; status.textContent = ""; }, 2000);
    });
    box.appendChild(button);
  });
})();
