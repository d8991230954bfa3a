// sitegen docs theme: search over search-index.json, and a closed contents menu on phones.
// Plain JavaScript, no dependencies; the site works without it (search is then hidden).
(function () {
  "use strict";

  var nav = document.querySelector(".docs-nav");
  if (nav && window.matchMedia("(max-width: 56rem)").matches) nav.open = false;

  var box = document.querySelector(".search");
  if (!box || !window.fetch) return;
  var input = box.querySelector("input");
  var list = box.querySelector(".search-results");
  var status = box.querySelector("#search-status");
  var index = null;
  var loading = null;
  box.hidden = false;

  function load() {
    if (!loading) {
      loading = fetch(box.dataset.index)
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) { index = data; })
        .catch(function () { index = []; status.textContent = "Search is not available."; });
    }
    return loading;
  }

  function score(doc, terms) {
    var total = 0;
    var title = doc.title.toLowerCase();
    var heads = doc.headings.join(" ").toLowerCase();
    var text = doc.text.toLowerCase();
    for (var i = 0; i < terms.length; i++) {
      var t = terms[i];
      var s = 0;
      if (title.indexOf(t) >= 0) s += title.indexOf(t) === 0 ? 12 : 8;
      if (heads.indexOf(t) >= 0) s += 4;
      if (text.indexOf(t) >= 0) s += 1;
      if (!s) return 0; // every term must match somewhere
      total += s;
    }
    return total;
  }

  function excerpt(text, term) {
    var at = text.toLowerCase().indexOf(term);
    if (at < 0) return text.slice(0, 120);
    var start = Math.max(0, at - 40);
    return (start ? "…" : "") + text.slice(start, start + 140) + "…";
  }

  function render() {
    var q = input.value.trim().toLowerCase();
    list.textContent = "";
    if (!q || !index) { list.hidden = true; status.textContent = ""; return; }
    var terms = q.split(/\s+/);
    var hits = index
      .map(function (doc) { return { doc: doc, s: score(doc, terms) }; })
      .filter(function (h) { return h.s > 0; })
      .sort(function (a, b) { return b.s - a.s; })
      .slice(0, 8);
    hits.forEach(function (h) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = h.doc.url;
      var strong = document.createElement("strong");
      strong.textContent = h.doc.title;
      var small = document.createElement("span");
      small.textContent = excerpt(h.doc.text, terms[0]);
      a.appendChild(strong);
      a.appendChild(small);
      li.appendChild(a);
      list.appendChild(li);
    });
    if (!hits.length) {
      var none = document.createElement("li");
      none.className = "search-empty";
      none.textContent = "No pages match.";
      list.appendChild(none);
    }
    list.hidden = false;
    status.textContent = hits.length + " result" + (hits.length === 1 ? "" : "s");
  }

  function links() { return Array.prototype.slice.call(list.querySelectorAll("a")); }

  input.addEventListener("focus", load);
  input.addEventListener("input", function () { load().then(render); });
  box.addEventListener("keydown", function (e) {
    var items = links();
    var at = items.indexOf(document.activeElement);
    if (e.key === "ArrowDown" && items.length) {
      e.preventDefault();
      items[Math.min(at + 1, items.length - 1)].focus();
    } else if (e.key === "ArrowUp" && items.length) {
      e.preventDefault();
      if (at <= 0) input.focus(); else items[at - 1].focus();
    } else if (e.key === "Escape") {
      list.hidden = true;
      input.focus();
    }
  });
  document.addEventListener("keydown", function (e) {
    var tag = (document.activeElement && document.activeElement.tagName) || "";
    if (e.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(tag)) {
      e.preventDefault();
      input.focus();
    }
  });
  document.addEventListener("click", function (e) {
    if (!box.contains(e.target)) list.hidden = true;
  });
})();
