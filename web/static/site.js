// Lapak's public site: the map over the server-rendered directory. Everything works without this script;
// with it, the map shows the search's businesses as clustered markers, moving the map filters the list,
// and "sort from my location" lists the nearest first. No inline script anywhere: the CSP allows only this file.
(function () {
  'use strict';
  var mapElement = document.getElementById('map');

  function baseMap(element) {
    var bounds = element.dataset.bounds.split(',').map(Number);
    var map = L.map(element, { keyboard: true, maxBounds: [[bounds[0] - 0.05, bounds[1] - 0.05], [bounds[2] + 0.05, bounds[3] + 0.05]] });
    // Tiles may be unreachable (no network, a test): the markers still show on the plain background.
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: element.dataset.attribution }).addTo(map);
    return { map: map, bounds: L.latLngBounds([bounds[0], bounds[1]], [bounds[2], bounds[3]]) };
  }

  function link(name, url) {
    var a = document.createElement('a');
    a.href = url;
    a.textContent = name;  // text, never HTML: names come from the registry
    return a;
  }

  function directoryMap() {
    if (typeof L === 'undefined' || !mapElement || !mapElement.dataset.api) return;
    L.Icon.Default.imagePath = '/static/leaflet/images/';
    var made = baseMap(mapElement);
    var map = made.map;
    var status = document.getElementById('map-status');
    var cluster = L.markerClusterGroup({ chunkedLoading: true });
    map.addLayer(cluster);
    map.fitBounds(made.bounds, { animate: false });
    var count = 0;
    var fitted = false;
    var bboxInURL = new URLSearchParams(location.search).has('bbox');

    function load(url, pages) {
      fetch(url, { headers: { Accept: 'application/geo+json' } }).then(function (r) { return r.json(); }).then(function (data) {
        var markers = [];
        data.features.forEach(function (feature) {
          if (!feature.geometry) return;
          var c = feature.geometry.coordinates;
          var marker = L.marker([c[1], c[0]], { title: feature.properties.name, alt: feature.properties.name });
          marker.bindPopup(function () { return link(feature.properties.name, feature.properties.url); });
          markers.push(marker);
        });
        cluster.addLayers(markers);
        count += markers.length;
        mapElement.dataset.markers = String(count);
        status.textContent = mapElement.dataset.markerText.replace('{count}', String(count));
        if (data.next && pages < 40) {
          load(data.next.replace(/^https?:\/\/[^/]+/, ''), pages + 1);
        } else {
          mapElement.dataset.loaded = 'true';
          if (count > 0 && !fitted && !bboxInURL) { fitted = true; map.fitBounds(cluster.getBounds(), { maxZoom: 16, animate: false }); }
          if (bboxInURL) fitToURLBox();
          // Only the person's own moves filter the list: the fits above are done (without animation) by now.
          setTimeout(listenForMoves, 0);
        }
      }).catch(function () { status.textContent = ''; mapElement.dataset.loaded = 'error'; });
    }

    function fitToURLBox() {
      var b = new URLSearchParams(location.search).get('bbox').split(',').map(Number);
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false });
    }

    // Moving the map filters the list: the page for the visible box replaces the results, and the URL follows.
    var timer = null;
    function listenForMoves() {
      map.on('moveend', function () {
        clearTimeout(timer);
        timer = setTimeout(refreshList, 300);
      });
    }
    function refreshList() {
      var b = map.getBounds();
      var params = new URLSearchParams(location.search);
      params.set('bbox', [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (n) { return n.toFixed(5); }).join(','));
      params.delete('halaman');
      var url = '/?' + params.toString();
      fetch(url).then(function (r) { return r.text(); }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.getElementById('results');
        if (!fresh) return;
        document.getElementById('results').replaceWith(fresh);
        history.replaceState(null, '', url);
      });
    }

    load(mapElement.dataset.api + (mapElement.dataset.api.indexOf('?') >= 0 ? '&' : '?') + 'limit=500', 1);
  }

  function nearMe() {
    var button = document.getElementById('near-me');
    if (!button || !navigator.geolocation) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        var params = new URLSearchParams(location.search);
        params.set('lat', position.coords.latitude.toFixed(5));
        params.set('lon', position.coords.longitude.toFixed(5));
        params.delete('halaman');
        location.search = params.toString();
      }, function () {
        document.getElementById('map-status').textContent = button.dataset.denied;
      });
    });
  }

  function businessMap() {
    if (typeof L === 'undefined' || !mapElement || !mapElement.dataset.lat) return;
    L.Icon.Default.imagePath = '/static/leaflet/images/';
    var made = baseMap(mapElement);
    var point = [Number(mapElement.dataset.lat), Number(mapElement.dataset.lon)];
    made.map.setView(point, 16);
    L.marker(point, { title: mapElement.dataset.name, alt: mapElement.dataset.name }).addTo(made.map);
    mapElement.dataset.markers = '1';
    mapElement.dataset.loaded = 'true';
  }

  function share() {
    var button = document.getElementById('share');
    if (!button) return;
    button.addEventListener('click', function (event) {
      event.preventDefault();
      var url = button.href;
      if (navigator.share) {
        navigator.share({ title: button.dataset.title, url: url }).catch(function () {});
      } else if (navigator.clipboard) {
        navigator.clipboard.writeText(url).then(function () {
          document.getElementById('share-status').textContent = button.dataset.copied;
        });
      } else {
        location.href = url;
      }
    });
  }

  directoryMap();
  businessMap();
  nearMe();
  share();
  // The page's laid-out width, for the 360 px check of the browser test (nothing may be wider than the screen).
  window.addEventListener('load', function () { document.body.dataset.scrollWidth = String(document.documentElement.scrollWidth); document.body.dataset.viewportWidth = String(window.innerWidth); });
})();
