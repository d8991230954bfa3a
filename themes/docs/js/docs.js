// sitegen docs theme: the contents menu starts closed on phones (search is js/search.js).
// Plain JavaScript, no dependencies; without it the contents stay open.
(function () {
  "use strict";

  var nav = document.querySelector(".docs-nav");
  if (nav && window.matchMedia("(max-width: 56rem)").matches) nav.open = false;
})();
