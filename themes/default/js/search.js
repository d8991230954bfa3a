// sitegen themes: client-side search over search-index/ (sitegen/build/searchindex.py).
// A search loads meta.json, the term shards its words fall in and the document chunks of the
// hits shown: a few files, not the whole site. Two views share it: the header box (results
// drop down, `/` to focus, arrows to move, Enter opens, Escape closes) and the search page
// (`?q=`). Without JavaScript the box is hidden and the page says so.
(function () {
  "use strict";
  var SHOWN = 10;
  var holder = document.querySelector("[data-search-index]");
  if (!holder || !window.fetch) return;
  var base = holder.getAttribute("data-search-index");
  var files = {};
  var meta = null;

  function get(name) {
    if (!files[name]) {
      files[name] = fetch(base + name).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      });
    }
    return files[name];
  }

  // Words as the index has them: lower case, accents off, 2 to 30 letters or digits.
  function words(text) {
    var folded = text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    return folded.match(/[\p{L}\p{N}_]{2,30}/gu) || [];
  }

  // docId -> score for one query word: the word itself, and words it starts (half score).
  function lookup(term) {
    var keys = meta.shards.filter(function (k) { return term.indexOf(k) === 0; });
    return Promise.all(keys.map(function (k) { return get("t-" + k + ".json"); })).then(function (shards) {
      var found = {};
      shards.forEach(function (shard) {
        Object.keys(shard).forEach(function (t) {
          if (t.indexOf(term) !== 0) return;
          var list = shard[t];
          var id = 0;
          for (var i = 0; i < list.length; i += 2) {
            id += list[i];
            var s = t === term ? list[i + 1] : list[i + 1] / 2;
            found[id] = Math.max(found[id] || 0, s);
          }
        });
      });
      return found;
    });
  }

  function search(query) {
    var terms = words(query).filter(function (t, i, all) { return all.indexOf(t) === i; });
    if (!terms.length) return Promise.resolve([]);
    return get("meta.json").then(function (m) {
      meta = m;
      return Promise.all(terms.map(lookup));
    }).then(function (maps) {
      var hits = Object.keys(maps[0]).map(Number).filter(function (id) {
        return maps.every(function (m) { return id in m; }); // every word must match
      }).map(function (id) {
        return { id: id, score: maps.reduce(function (sum, m) { return sum + m[id]; }, 0) };
      }).sort(function (a, b) { return b.score - a.score || a.id - b.id; });
      var shown = hits.slice(0, SHOWN);
      var chunks = shown.map(function (h) { return Math.floor(h.id / meta.chunk); });
      return Promise.all(chunks.map(function (c) { return get("d-" + c + ".json"); })).then(function (docs) {
        return {
          total: hits.length,
          items: shown.map(function (h, i) { return docs[i][h.id % meta.chunk]; })
        };
      });
    });
  }

  function item(doc, withText) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = doc[0];
    var title = document.createElement("strong");
    title.textContent = doc[1];
    a.appendChild(title);
    if (withText && doc[3]) {
      var text = document.createElement("span");
      text.textContent = doc[3];
      a.appendChild(text);
    }
    li.appendChild(a);
    return li;
  }

  function show(list, status, result, withText) {
    list.textContent = "";
    (result.items || []).forEach(function (doc) { list.appendChild(item(doc, withText)); });
    var n = result.total || 0;
    status.textContent = n ? n + " page" + (n === 1 ? "" : "s") + " found" : "No pages match.";
  }

  function failed(status) {
    return function () { status.textContent = "Search is not available."; };
  }

  // The search page: results for ?q=, updated as the reader types.
  var page = document.querySelector(".search-page");
  if (page) {
    var pInput = page.querySelector("input");
    var pList = page.querySelector(".search-hits");
    var pStatus = page.querySelector(".search-status");
    var run = function () {
      var q = pInput.value.trim();
      history.replaceState(null, "", q ? "?q=" + encodeURIComponent(q) : location.pathname);
      if (!q) { pList.textContent = ""; pStatus.textContent = ""; return; }
      search(q).then(function (r) {
        if (pInput.value.trim() === q) show(pList, pStatus, r, true);
      }, failed(pStatus));
    };
    pInput.value = new URLSearchParams(location.search).get("q") || "";
    pInput.addEventListener("input", run);
    page.querySelector("form").addEventListener("submit", function (e) { e.preventDefault(); run(); });
    run();
  }

  // The header box: results drop down under it.
  var box = document.querySelector(".search-box");
  if (!box) return;
  var input = box.querySelector("input");
  var list = box.querySelector(".search-results");
  var status = box.querySelector(".search-status");
  box.hidden = false;

  function links() { return Array.prototype.slice.call(list.querySelectorAll("a")); }
  function close() { list.hidden = true; }

  input.addEventListener("focus", function () { get("meta.json").catch(function () {}); });
  input.addEventListener("input", function () {
    var q = input.value.trim();
    if (!q) { close(); status.textContent = ""; return; }
    search(q).then(function (r) {
      if (input.value.trim() !== q) return;
      show(list, status, r, true);
      list.hidden = !r.items || !r.items.length;
    }, failed(status));
  });
  box.addEventListener("keydown", function (e) {
    var items = links();
    var at = items.indexOf(document.activeElement);
    if (e.key === "ArrowDown" && items.length) {
      e.preventDefault();
      list.hidden = false;
      items[Math.min(at + 1, items.length - 1)].focus();
    } else if (e.key === "ArrowUp" && items.length) {
      e.preventDefault();
      if (at <= 0) input.focus(); else items[at - 1].focus();
    } else if (e.key === "Escape") {
      close();
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
    if (!box.contains(e.target)) close();
  });
})();
