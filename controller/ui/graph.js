// The path graph of one (agent, target) from /api/v1/graph: hops by TTL left to right, ECMP
// branches stacked, nodes coloured by AS, the border hop ringed in red; the two latest paths
// (before and after a change) side by side. Drawn with d3 (libjs-d3 3.5).
'use strict';
(function (t) {
  var asColours = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1',
                   '#ff9da7', '#9c755f', '#bab0ac', '#86bcb6', '#d37295'];
  var asIndex = {};
  function asColour(asn) {
    if (asn === null || asn === undefined) return '#dddddd';
    if (!(asn in asIndex)) asIndex[asn] = Object.keys(asIndex).length;
    return asColours[asIndex[asn] % asColours.length];
  }

  t.clearGraph = function (note) {
    document.getElementById('graph').innerHTML = '';
    document.getElementById('graph-title').textContent = '';
    document.getElementById('graph-note').textContent = note;
  };

  t.loadGraph = function () {
    var v = t.view;
    var q = new URLSearchParams({ agent: v.agent, target: v.target });
    return t.getJson('/api/v1/graph?' + q).then(draw, function (e) {
      t.clearGraph(e.status === 404 ? 'no path graph for ' + v.agent + ' \u2192 ' + v.target + ': ' + e.message
                                    : 'path graph: ' + e.message);
    });
  };

  function pathsOf(x) { return x.paths || []; }

  function draw(doc) {
    var v = t.view;
    var box = document.getElementById('graph');
    box.innerHTML = '';
    document.getElementById('graph-title').textContent = v.agent + ' \u2192 ' + v.target;
    var paths = (doc.paths || []).slice().sort(function (a, b) { return (a.time || 0) - (b.time || 0); });
    var panels = paths.length >= 2 ? paths.slice(-2) : paths;
    document.getElementById('graph-note').textContent = paths.length ?
      paths.length + ' path(s) seen; ' + (panels.length === 2 ? 'before and after the latest change' : 'the only path seen') +
      '; red ring: border hop' : 'no trace stored for this pair';
    panels.forEach(function (p, i) {
      panel(box, doc, p, panels.length === 2 ? (i === 0 ? 'before' : 'after') : 'current');
    });
  }

  function panel(box, doc, path, label) {
    var name = path.name;
    var nodes = (doc.nodes || []).filter(function (n) { return n.kind === 'source' || pathsOf(n).indexOf(name) >= 0; });
    var ids = {};
    nodes.forEach(function (n) { ids[n.id] = n; });
    var links = (doc.links || []).filter(function (l) {
      var a = l.from !== undefined ? l.from : l.source, b = l.from !== undefined ? l.to : l.target;
      return pathsOf(l).indexOf(name) >= 0 && ids[a] && ids[b];
    });
    // Columns by hops from the vantage point along this path's links (a node seen at other
    // TTLs on another path stays in this path's order), rows in order within a column.
    var from = function (l) { return l.from !== undefined ? l.from : l.source; };
    var to = function (l) { return l.from !== undefined ? l.to : l.target; };
    nodes.forEach(function (n) { n._col = n.kind === 'source' ? 0 : -1; });
    for (var pass = 0, moved = true; moved && pass <= nodes.length; pass++) {
      moved = false;
      links.forEach(function (l) {
        var a = ids[from(l)], b = ids[to(l)];
        if (a._col >= 0 && b._col < a._col + 1) { b._col = a._col + 1; moved = true; }
      });
    }
    var columns = {};
    nodes.forEach(function (n) {
      if (n._col < 0) n._col = (n.ttls && n.ttls.length) ? n.ttls[0] : 0;
      (columns[n._col] = columns[n._col] || []).push(n);
    });
    var cols = Object.keys(columns).map(Number).sort(function (a, b) { return a - b; });
    var maxRows = Math.max.apply(null, cols.map(function (c) { return columns[c].length; }).concat([1]));
    var dx = 34, dy = 70, w = 80 + maxRows * dy, h = 40 + cols.length * dx;
    cols.forEach(function (c, ci) {
      columns[c].forEach(function (n, ri) {
        n._x = 40 + (ri + 0.5) * (w - 80) / columns[c].length;
        n._y = 20 + ci * dx;
      });
    });
    var div = document.createElement('div');
    div.className = 'panel';
    div.setAttribute('data-path', name);
    div.innerHTML = '<h3>' + label + ': <i class="sw" style="display:inline-block;width:10px;height:10px;background:' +
      t.colour(name) + '"></i> ' + t.esc(name) + (path.time ? ' <span class="muted">trace of ' + t.fmtTime(path.time) + ' UTC</span>' : '') + '</h3>';
    box.appendChild(div);
    var svg = d3.select(div).append('svg').attr('width', w + 260).attr('height', h);
    svg.selectAll('line.link').data(links).enter().append('line').attr('class', 'link')
      .attr('x1', function (l) { return ids[l.from !== undefined ? l.from : l.source]._x; })
      .attr('y1', function (l) { return ids[l.from !== undefined ? l.from : l.source]._y; })
      .attr('x2', function (l) { return ids[l.from !== undefined ? l.to : l.target]._x; })
      .attr('y2', function (l) { return ids[l.from !== undefined ? l.to : l.target]._y; });
    var g = svg.selectAll('g.node').data(nodes).enter().append('g')
      .attr('class', function (n) {
        var border = n.border_of ? n.border_of.indexOf(name) >= 0 : !!n.border;
        return 'node ' + n.kind + (border ? ' border' : '');
      })
      .attr('data-id', function (n) { return n.id; })
      .attr('data-asn', function (n) { return n.asn === null || n.asn === undefined ? '' : n.asn; })
      .attr('transform', function (n) { return 'translate(' + n._x + ',' + n._y + ')'; });
    g.append('circle').attr('r', function (n) { return n.kind === 'source' ? 8 : 7; })
      .style('fill', function (n) { return n.kind === 'silent' ? '#fff' : asColour(n.asn); });
    g.append('text').attr('x', 11).attr('y', 4).text(function (n) {
      if (n.kind === 'source') return 'vantage point';
      if (n.kind === 'silent') return '*';
      return (n.addr || n.id) + (n.asn ? '  AS' + n.asn : '') + (n.as_name ? ' ' + n.as_name : '') +
        (n.rtt_ms !== null && n.rtt_ms !== undefined ? '  ' + n.rtt_ms.toFixed(1) + ' ms' : '');
    });
    g.append('title').text(function (n) {
      return (n.addr || n.id) + '\nTTL ' + (n.ttls || []).join(', ') + '\npaths: ' + pathsOf(n).join(', ');
    });
  }
})(tumen);
