/* The map of a customer's sites (fleet/_sites_map.html): Leaflet, with the tile server the settings name.
   The map box stays hidden until it is drawn, so a page whose Leaflet did not load shows no empty frame; the list
   of coordinates under it is always there. */
(function () {
  "use strict";

  function popup(point) {
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = point.name || point.address;
    box.appendChild(name);
    if (point.name && point.address) {
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(point.address));
    }
    return box;
  }

  function draw(box) {
    if (!window.L || box.dataset.drawn) return;
    var points = JSON.parse(box.dataset.points || "[]");
    if (!points.length || !box.dataset.tiles) return;
    box.dataset.drawn = "1";
    box.hidden = false;
    var map = window.L.map(box, { scrollWheelZoom: false });
    window.L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution || "", maxZoom: 19 }).addTo(map);
    var corners = points.map(function (point) {
      window.L.circleMarker([point.lat, point.lon], { radius: 8, weight: 2 }).bindPopup(popup(point)).addTo(map);
      return [point.lat, point.lon];
    });
    if (corners.length === 1) {
      map.setView(corners[0], 15);
    } else {
      map.fitBounds(corners, { padding: [24, 24], maxZoom: 15 });
    }
  }

  function drawAll() {
    document.querySelectorAll("[data-sites-map]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
  document.addEventListener("htmx:afterSettle", drawAll);
})();
