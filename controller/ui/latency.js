// RTT per path of one (agent, target): one line per path over the view's time range
// (Chart.js from libjs-chart.js), the changes as vertical lines.
'use strict';
(function (t) {
  var chart = null;

  t.clearLatency = function (note) {
    if (chart) { chart.destroy(); chart = null; }
    document.getElementById('latency-title').textContent = '';
    document.getElementById('latency-note').textContent = note;
    document.getElementById('latency-box').removeAttribute('data-points');
  };

  var changeLines = {
    id: 'changeLines',
    afterDatasetsDraw: function (c) {
      var times = c.options.plugins.changeLines.times || [];
      var x = c.scales.x, y = c.scales.y, g = c.ctx;
      g.save();
      g.strokeStyle = '#000'; g.setLineDash([4, 3]);
      times.forEach(function (ch) {
        var px = x.getPixelForValue(ch.time);
        if (px < x.left || px > x.right) return;
        g.beginPath(); g.moveTo(px, y.top); g.lineTo(px, y.bottom); g.stroke();
        g.fillStyle = '#000'; g.font = '10px sans-serif';
        g.fillText(ch.from + ' \u2192 ' + ch.to, px + 3, y.top + 10);
      });
      g.restore();
    }
  };

  t.loadLatency = function () {
    var v = t.view, r = t.range();
    var q = new URLSearchParams({ agent: v.agent, target: v.target, from: r[0], to: r[1] });
    return t.getJson('/api/v1/series?' + q).then(function (doc) { draw(doc); });
  };

  function draw(doc) {
    document.getElementById('latency-title').textContent = doc.agent + ' \u2192 ' + doc.target;
    var sets = {};
    doc.points.forEach(function (p) {
      if (p.rtt_ms === null) return;
      var key = p.path + (p.kind === 'ping' ? ' (ping)' : '');
      if (!sets[key]) sets[key] = { path: p.path, ping: p.kind === 'ping', data: [] };
      sets[key].data.push({ x: p.time, y: p.rtt_ms });
    });
    var datasets = Object.keys(sets).map(function (k) {
      var s = sets[k];
      return { label: k, data: s.data, borderColor: t.colour(s.path), backgroundColor: t.colour(s.path),
               borderDash: s.ping ? [5, 3] : [], pointRadius: 2, borderWidth: 1.5, showLine: true, tension: 0 };
    });
    var box = document.getElementById('latency-box');
    box.setAttribute('data-points', doc.points.length);
    box.setAttribute('data-paths', Object.keys(sets).length);
    document.getElementById('latency-note').textContent = doc.points.length ?
      doc.points.length + ' results; trace RTT at the last replying hop, pings dashed' : 'no result in this range';
    if (typeof Chart === 'undefined') {
      document.getElementById('latency-note').textContent = 'Chart.js is missing (Debian package libjs-chart.js)';
      return;
    }
    // The x axis spans the results (and changes) shown, within the view's range.
    var lo = doc.to, hi = doc.from;
    doc.points.concat(doc.changes).forEach(function (p) { lo = Math.min(lo, p.time); hi = Math.max(hi, p.time); });
    if (lo > hi) { lo = doc.from; hi = doc.to; }
    var pad = Math.max(5, (hi - lo) * 0.05);
    var opts = {
      animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
      scales: {
        x: { type: 'linear', min: Math.max(doc.from, lo - pad), max: Math.min(doc.to, hi + pad),
             ticks: { maxTicksLimit: 6, callback: function (s) { return t.fmtTime(Math.round(s)).slice(hi - lo < 86400 ? 11 : 5, 19); } } },
        y: { title: { display: true, text: 'RTT (ms)' }, beginAtZero: true }
      },
      plugins: { changeLines: { times: doc.changes }, legend: { position: 'bottom' },
                 tooltip: { callbacks: { title: function (items) { return t.fmtTime(items[0].parsed.x) + ' UTC'; } } } }
    };
    if (chart) { chart.destroy(); }
    chart = new Chart(document.getElementById('latency'), { type: 'scatter', data: { datasets: datasets },
                                                           options: opts, plugins: [changeLines] });
  }
})(tumen);
