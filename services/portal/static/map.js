// The feedback map (see services/portal/feedback.py), drawn with Leaflet where a page has
// an element with data-map. The page works without it: the list's reports are a table,
// a report's place is an address or two number fields. The map only reads and fills those.
//   data-map="list": each row with data-latitude/data-longitude becomes a marker that is
//     the row's own link, reachable by keyboard and named by the report's title;
//   data-map="pick": a click or tap fills the latitude and longitude fields, and numbers
//     typed there show as a marker.
(function () {
  "use strict";

  var canvas = document.querySelector("[data-map]");
  if (!canvas || !window.L) {
    return;
  }

  // the attribution is configuration, shown as text
  function asText(text) {
    var holder = document.createElement("span");
    holder.textContent = text;
    return holder.innerHTML;
  }

  function number(text) {
    var value = parseFloat(String(text).trim().replace(",", "."));
    return isFinite(value) ? value : null;
  }

  var edges = canvas.dataset.bounds.split(",").map(Number);
  var opening = L.latLngBounds([edges[0], edges[1]], [edges[2], edges[3]]);
  var map = L.map(canvas, { zoomControl: false });
  L.control
    .zoom({ zoomInTitle: canvas.dataset.zoomIn, zoomOutTitle: canvas.dataset.zoomOut })
    .addTo(map);
  L.tileLayer(canvas.dataset.tiles, {
    attribution: asText(canvas.dataset.attribution || ""),
    maxZoom: 19,
  }).addTo(map);
  map.fitBounds(opening);

  function showReports() {
    document.querySelectorAll("[data-latitude][data-longitude]").forEach(function (row) {
      var link = row.querySelector("a[href]");
      var latitude = number(row.dataset.latitude);
      var longitude = number(row.dataset.longitude);
      if (!link || latitude === null || longitude === null) {
        return;
      }
      // the marker is a link to the report, named by its title
      var marker = document.createElement("a");
      marker.className = "feedback-marker";
      marker.href = link.getAttribute("href");
      var name = document.createElement("span");
      name.className = "kern-sr-only";
      name.textContent = link.textContent.trim();
      marker.appendChild(name);
      marker.title = name.textContent;
      L.DomEvent.disableClickPropagation(marker);
      L.marker([latitude, longitude], {
        icon: L.divIcon({ html: marker, className: "feedback-marker-icon", iconSize: [24, 24] }),
        interactive: false,
        keyboard: false,
      }).addTo(map);
    });
    var area = document.querySelector("[data-map-area]");
    if (area) {
      // the list for the part of town the map shows now
      var follow = function () {
        var box = map.getBounds();
        var query = new URLSearchParams(window.location.search);
        query.delete("cursor");
        query.set(
          "bbox",
          [box.getSouth(), box.getWest(), box.getNorth(), box.getEast()]
            .map(function (edge) { return edge.toFixed(5); })
            .join(",")
        );
        area.href = window.location.pathname + "?" + query.toString();
      };
      map.on("moveend", follow);
      follow();
      area.hidden = false;
    }
  }

  function pickPlace() {
    var latitude = document.getElementById(canvas.dataset.latitudeField);
    var longitude = document.getElementById(canvas.dataset.longitudeField);
    if (!latitude || !longitude) {
      return;
    }
    var marker = null;
    function mark(point) {
      if (marker) {
        marker.setLatLng(point);
      } else {
        marker = L.circleMarker(point, { radius: 9, weight: 3, interactive: false }).addTo(map);
      }
    }
    function fromFields() {
      var lat = number(latitude.value);
      var lon = number(longitude.value);
      if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
        return;
      }
      mark([lat, lon]);
      if (!map.getBounds().contains([lat, lon])) {
        map.panTo([lat, lon]);
      }
    }
    map.on("click", function (event) {
      // the numbers in the page's language, as a citizen would type them
      var comma = document.documentElement.lang === "de";
      var show = function (value) {
        var text = value.toFixed(6);
        return comma ? text.replace(".", ",") : text;
      };
      latitude.value = show(event.latlng.lat);
      longitude.value = show(event.latlng.lng);
      mark(event.latlng);
    });
    latitude.addEventListener("change", fromFields);
    longitude.addEventListener("change", fromFields);
    fromFields();
  }

  if (canvas.dataset.map === "list") {
    showReports();
  } else if (canvas.dataset.map === "pick") {
    pickPlace();
  }
})();
