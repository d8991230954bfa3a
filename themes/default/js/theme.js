// sitegen default theme: small progressive enhancements. The site works without it.
// Adds a "#" link to every heading that has an id and no anchor link yet.
document.querySelectorAll(".prose :is(h2, h3, h4, h5, h6)[id]").forEach(function (heading) {
  if (heading.querySelector("a.anchor, a.header-anchor, a.headerlink")) return;
  var link = document.createElement("a");
  link.className = "anchor";
  link.href = "#" + heading.id;
  link.textContent = "#";
  link.setAttribute("aria-label", "Link to section: " + heading.textContent.trim());
  heading.appendChild(link);
});
