/* sitegen preview: live reload, stylesheet swaps and the build-error overlay.
   Injected into HTML responses by `sitegen serve`; never written into the built site. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || window.__sitegenLive) return;
  window.__sitegenLive = true;
  var token = me.getAttribute("data-token");
  var wsPath = me.getAttribute("data-ws");
  var notFound = me.getAttribute("data-status") === "404";
  var KEY = "sitegen-scroll:" + location.pathname + location.search;

  // A full reload keeps the scroll position.
  try {
    var saved = sessionStorage.getItem(KEY);
    if (saved !== null) {
      sessionStorage.removeItem(KEY);
      var xy = JSON.parse(saved);
      var restore = function () { window.scrollTo(xy[0], xy[1]); };
      if (document.readyState === "complete") restore();
      else window.addEventListener("load", restore);
    }
  } catch (e) { /* storage may be off */ }

  function reload() {
    try { sessionStorage.setItem(KEY, JSON.stringify([window.scrollX, window.scrollY])); }
    catch (e) { /* storage may be off */ }
    location.reload();
  }

  // Stylesheets: load each again with a cache-busting query, drop the old one once the new
  // one has loaded (no flash of unstyled page, no navigation).
  function swapStyles() {
    var stamp = Date.now().toString(36);
    var links = document.querySelectorAll('link[rel~="stylesheet"]');
    Array.prototype.forEach.call(links, function (link) {
      var url = new URL(link.href, location.href);
      if (url.origin !== location.origin) return;
      url.searchParams.set("sitegen", stamp);
      var next = link.cloneNode(false);
      var done = function () { if (link.parentNode) link.parentNode.removeChild(link); };
      next.addEventListener("load", done);
      next.addEventListener("error", done);
      next.href = url.href;
      link.parentNode.insertBefore(next, link.nextSibling);
    });
  }

  function showError(html) {
    clearError();
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var box = holder.firstElementChild;
    if (box) (document.body || document.documentElement).appendChild(box);
  }

  function clearError() {
    var old = document.getElementById("sitegen-error");
    if (old) old.parentNode.removeChild(old);
  }

  function concerns(pages) {
    if (!pages || notFound) return true;
    var here = location.pathname;
    return pages.indexOf(here) >= 0 || pages.indexOf(decodeURI(here)) >= 0;
  }

  function onMessage(msg) {
    if (msg.type === "hello") {
      if (msg.token !== token) return reload();  // a build finished meanwhile, or a restart
      window.__sitegenConnected = true;  // for tests and the benchmark
      if (msg.error) showError(msg.error); else clearError();
    } else if (msg.type === "reload") {
      if (concerns(msg.pages)) return reload();
      token = msg.token;
    } else if (msg.type === "css") {
      token = msg.token;
      swapStyles();
    } else if (msg.type === "error") {
      showError(msg.html);
    }
  }

  var attempt = 0;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + wsPath);
    ws.onopen = function () { attempt = 0; };
    ws.onmessage = function (event) {
      try { onMessage(JSON.parse(event.data)); } catch (e) { console.error("sitegen:", e); }
    };
    ws.onclose = function () {
      // The server went away (restart, Ctrl-C): retry with backoff; its hello reloads the page.
      var delay = Math.min(100 * Math.pow(2, attempt++), 2000);
      setTimeout(connect, delay);
    };
  }
  connect();
})();
