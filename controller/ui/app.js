// The controller's page: shared state, the view in the URL, data fetching and polling.
// Plain JavaScript, no build step; matrix.js, timeline.js, latency.js and graph.js draw.
'use strict';
var tumen = (function () {
  var ranges = { '1h': 3600, '6h': 6 * 3600, '24h': 86400, '7d': 7 * 86400, '30d': 30 * 86400 };
  // Colours of paths in first-seen order of the legend; classes get the first ones.
  var palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2',
                 '#17becf', '#bcbd22', '#7f7f7f', '#393b79', '#637939', '#8c6d31', '#843c39'];
  var fixed = { none: '#cfcfcf', other: '#555555' };
  var t = {
    view: { agent: '', target: '', path: '', range: '24h', from: null, to: null, live: true },
    matrix: null,            // the last /api/v1/matrix document
    colours: {},             // path name -> colour
    pollSeconds: 5,
    readyAt: null
  };

  t.colour = function (path) {
    if (fixed[path]) return fixed[path];
    if (!t.colours[path]) {
      var n = Object.keys(t.colours).length;
      t.colours[path] = palette[n % palette.length];
    }
    return t.colours[path];
  };

  t.fmtTime = function (s) {
    if (s === null || s === undefined) return '';
    return new Date(s * 1000).toISOString().replace('T', ' ').replace('.000Z', '');
  };
  t.fmtAge = function (sec) {
    if (sec < 120) return sec + ' s';
    if (sec < 7200) return Math.round(sec / 60) + ' min';
    if (sec < 172800) return Math.round(sec / 3600) + ' h';
    return Math.round(sec / 86400) + ' d';
  };
  t.esc = function (s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  };

  // The time range of the view, Unix seconds [from, to].
  t.range = function () {
    var v = t.view;
    if (v.range === 'custom' && v.from !== null && v.to !== null) return [v.from, v.to];
    var now = Math.floor(Date.now() / 1000);
    return [now - (ranges[v.range] || 86400), now];
  };

  function readUrl() {
    var q = new URLSearchParams(location.search);
    var v = t.view;
    v.agent = q.get('agent') || '';
    v.target = q.get('target') || '';
    v.path = q.get('path') || '';
    var from = q.get('from'), to = q.get('to');
    if (from && to && !isNaN(+from) && !isNaN(+to)) {
      v.range = 'custom'; v.from = +from; v.to = +to;
    } else if (q.get('range') && ranges[q.get('range')]) {
      v.range = q.get('range');
    }
    v.live = q.get('live') !== '0';
    if (q.has('token')) { // the cookie holds it now; keep it out of shared links
      q.delete('token');
      history.replaceState(null, '', location.pathname + (q.toString() ? '?' + q : ''));
    }
  }

  t.url = function () {
    var v = t.view, q = new URLSearchParams();
    if (v.agent) q.set('agent', v.agent);
    if (v.target) q.set('target', v.target);
    if (v.path) q.set('path', v.path);
    if (v.range === 'custom') { q.set('from', v.from); q.set('to', v.to); } else q.set('range', v.range);
    if (!v.live) q.set('live', '0');
    return location.pathname + '?' + q.toString();
  };

  function toLocalInput(s) { // datetime-local in UTC
    return new Date(s * 1000).toISOString().slice(0, 19);
  }
  function fromLocalInput(text) {
    var ms = Date.parse(text + 'Z');
    return isNaN(ms) ? null : Math.floor(ms / 1000);
  }

  function syncForm() {
    var v = t.view;
    document.getElementById('f-range').value = v.range;
    document.getElementById('view').classList.toggle('custom', v.range === 'custom');
    var r = t.range();
    document.getElementById('f-from').value = toLocalInput(r[0]);
    document.getElementById('f-to').value = toLocalInput(r[1]);
    document.getElementById('f-live').checked = v.live;
    setSelect('f-agent', v.agent);
    setSelect('f-target', v.target);
    setSelect('f-path', v.path);
    var link = document.getElementById('share');
    link.href = t.url();
  }
  function setSelect(id, value) {
    var s = document.getElementById(id);
    if (value && !Array.prototype.some.call(s.options, function (o) { return o.value === value; })) {
      var o = document.createElement('option'); o.value = value; o.textContent = value; s.appendChild(o);
    }
    s.value = value;
  }
  function fillSelect(id, values) {
    var s = document.getElementById(id), keep = s.value;
    var html = '<option value="">all</option>';
    for (var i = 0; i < values.length; i++) html += '<option>' + t.esc(values[i]) + '</option>';
    s.innerHTML = html;
    setSelect(id, keep);
  }

  // Changes the view (a partial object), puts it in the URL and redraws what depends on it.
  t.setView = function (changes) {
    for (var k in changes) t.view[k] = changes[k];
    history.replaceState(null, '', t.url());
    syncForm();
    if (t.matrix) t.drawMatrixSelection();
    t.refreshDetails();
  };

  t.getJson = function (url) {
    return fetch(url, { credentials: 'same-origin', cache: 'no-store' }).then(function (r) {
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (e) {
          var err = new Error((e && e.error) || ('HTTP ' + r.status));
          err.status = r.status;
          throw err;
        });
      }
      return r.json();
    });
  };

  function status(text) { document.getElementById('status').textContent = text; }

  var lastMatrixText = null;
  t.timing = {};
  t.loadMatrix = function () {
    var t0 = performance.now();
    return fetch('/api/v1/matrix', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) {
        if (!r.ok) throw new Error('matrix: HTTP ' + r.status);
        return r.text();
      })
      .then(function (text) {
        t.timing.fetch_start = Math.round(t0);
        t.timing.fetch = Math.round(performance.now() - t0);
        if (text === lastMatrixText) return;
        lastMatrixText = text;
        var t1 = performance.now();
        var doc = JSON.parse(text);
        t.timing.parse = Math.round(performance.now() - t1);
        t.matrix = doc;
        doc.paths.forEach(function (p) { t.colour(p.name); });
        fillSelect('f-agent', doc.agents);
        fillSelect('f-target', doc.targets);
        fillSelect('f-path', doc.paths.map(function (p) { return p.name; }));
        var t2 = performance.now();
        t.drawMatrix(doc);
        t.timing.draw = Math.round(performance.now() - t2);
        document.getElementById('summary').textContent =
          doc.agents.length + ' vantage points x ' + doc.targets.length + ' target prefixes, ' +
          doc.cells.length + ' verdicts';
      });
  };

  t.refreshDetails = function () {
    var jobs = [t.loadTimeline()];
    if (t.view.agent && t.view.target) {
      jobs.push(t.loadLatency(), t.loadGraph());
    } else {
      t.clearLatency('Pick a cell of the matrix (or an agent and a target) to see its RTT per path.');
      t.clearGraph('Pick a cell of the matrix (or an agent and a target) to see its path graph.');
    }
    return Promise.all(jobs.map(function (p) { return p.catch(function (e) { status(e.message); }); }));
  };

  var timer = null;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (!t.view.live) return schedule();
      Promise.all([t.loadMatrix(), t.refreshDetails()])
        .then(function () { status('updated ' + t.fmtTime(Math.floor(Date.now() / 1000)) + ' UTC'); })
        .catch(function (e) { status(e.message); })
        .then(schedule);
    }, t.pollSeconds * 1000);
  }

  function wireForm() {
    document.getElementById('view').addEventListener('submit', function (e) { e.preventDefault(); });
    document.getElementById('f-agent').onchange = function () { t.setView({ agent: this.value }); };
    document.getElementById('f-target').onchange = function () { t.setView({ target: this.value }); };
    document.getElementById('f-path').onchange = function () { t.setView({ path: this.value }); };
    document.getElementById('f-live').onchange = function () { t.setView({ live: this.checked }); };
    document.getElementById('f-range').onchange = function () {
      if (this.value === 'custom') {
        var r = t.range();
        t.setView({ range: 'custom', from: r[0], to: r[1] });
      } else t.setView({ range: this.value });
    };
    var custom = function () {
      var f = fromLocalInput(document.getElementById('f-from').value);
      var to = fromLocalInput(document.getElementById('f-to').value);
      if (f !== null && to !== null && f < to) t.setView({ range: 'custom', from: f, to: to });
    };
    document.getElementById('f-from').onchange = custom;
    document.getElementById('f-to').onchange = custom;
  }

  t.start = function () {
    readUrl();
    wireForm();
    syncForm();
    var q = new URLSearchParams(location.search);
    if (q.get('poll') && +q.get('poll') > 0) t.pollSeconds = +q.get('poll');
    t.loadMatrix()
      .then(function () {
        t.readyAt = performance.now();
        document.body.setAttribute('data-ready-ms', String(Math.round(t.readyAt)));
        document.body.setAttribute('data-ready', '1');
        return t.refreshDetails();
      })
      .catch(function (e) { status(e.message); })
      .then(function () {
        document.body.setAttribute('data-details', '1');
        schedule();
      });
  };

  document.addEventListener('DOMContentLoaded', function () { t.start(); });
  return t;
})();
