// The timeline: change events in the view's time range, filtered by agent, target and path;
// a bar per time bin (canvas) and the newest events as rows.
'use strict';
(function (t) {
  var shown = 200, limit = 5000;

  t.loadTimeline = function () {
    var v = t.view, r = t.range();
    var q = new URLSearchParams({ brief: '1', newest: '1', since: r[0], until: r[1], limit: limit });
    if (v.agent) q.set('agent', v.agent);
    if (v.target) q.set('target', v.target);
    if (v.path) q.set('path', v.path);
    return t.getJson('/api/v1/changes?' + q).then(function (doc) { draw(doc.changes, r); });
  };

  function draw(changes, r) {
    var n = changes.length;
    document.getElementById('timeline-count').textContent =
      (n >= limit ? 'the newest ' + n : n) + ' between ' + t.fmtTime(r[0]) + ' and ' + t.fmtTime(r[1]) + ' UTC' +
      (n > shown ? ' (newest ' + shown + ' listed)' : '');
    bars(changes, r);
    var rows = [];
    for (var i = n - 1; i >= 0 && rows.length < shown; i--) {
      var c = changes[i];
      rows.push('<tr class="ev" data-agent="' + t.esc(c.agent) + '" data-target="' + t.esc(c.target) +
        '" data-from="' + t.esc(c.from) + '" data-to="' + t.esc(c.to) + '"><td>' + t.fmtTime(c.time) +
        '</td><td>' + t.esc(c.agent) + '</td><td>' + t.esc(c.target) + '</td><td>' + swatch(c.from, c.from_transit_name) +
        '</td><td>&rarr;</td><td>' + swatch(c.to, c.to_transit_name) + '</td><td>' + t.esc(c.detected_by) + '</td></tr>');
    }
    if (!rows.length) rows.push('<tr><td colspan="7" class="muted">no change in this range</td></tr>');
    document.querySelector('#timeline tbody').innerHTML = rows.join('');
  }

  function swatch(path, name) {
    return '<i class="sw" style="background:' + t.colour(path) + '"></i>' + t.esc(path) +
      (name && name !== path ? ' <span class="muted">' + t.esc(name) + '</span>' : '');
  }

  function bars(changes, r) {
    var canvas = document.getElementById('timeline-bars');
    var w = canvas.clientWidth || 800, h = 70;
    canvas.width = w; canvas.height = h;
    var g = canvas.getContext('2d');
    g.clearRect(0, 0, w, h);
    var bins = Math.max(10, Math.floor(w / 6)), span = Math.max(1, r[1] - r[0]);
    var counts = new Array(bins).fill(0), byPath = new Array(bins);
    changes.forEach(function (c) {
      var b = Math.min(bins - 1, Math.max(0, Math.floor((c.time - r[0]) / span * bins)));
      counts[b]++;
      byPath[b] = c.to;
    });
    var max = Math.max.apply(null, counts.concat([1]));
    var bw = w / bins;
    for (var i = 0; i < bins; i++) {
      if (!counts[i]) continue;
      var bh = Math.max(2, (h - 14) * counts[i] / max);
      g.fillStyle = t.colour(byPath[i]);
      g.fillRect(i * bw, h - 12 - bh, Math.max(1, bw - 1), bh);
    }
    g.fillStyle = '#777'; g.font = '10px sans-serif';
    g.fillText(t.fmtTime(r[0]), 0, h - 1);
    var end = t.fmtTime(r[1]);
    g.fillText(end, w - g.measureText(end).width, h - 1);
    g.fillText('max ' + max + ' per bin', w / 2 - 30, 10);
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelector('#timeline tbody').addEventListener('click', function (e) {
      var tr = e.target.closest('tr.ev');
      if (tr) t.setView({ agent: tr.getAttribute('data-agent'), target: tr.getAttribute('data-target') });
    });
  });
})(tumen);
