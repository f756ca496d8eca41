// The matrix: one cell per vantage point x target prefix, coloured by its current border
// path, built as one HTML string (one innerHTML for 100 x 1,000 cells) with one style rule per
// path; hover and click are handled once on the container.
'use strict';
(function (t) {
  var flagNames = [[1, 's', 'stale'], [2, 'u', 'unreachable'], [4, 'c', 'suspected']];
  var grid = null; // agent * targets + target -> cell, or undefined

  function legend(doc) {
    var counts = doc.paths.map(function () { return 0; });
    doc.cells.forEach(function (c) { counts[c[2]]++; });
    var html = '';
    doc.paths.forEach(function (p, i) {
      var label = p.name;
      if (p.transit_name && p.transit_name !== p.name) label += ' (' + p.transit_name + ')';
      else if (p.transit_asn && p.name.indexOf('AS') !== 0) label += ' (AS' + p.transit_asn + ')';
      html += '<li data-path="' + t.esc(p.name) + '" class="' + (p['class'] ? 'class' : 'transit') +
        '"><i style="background:' + t.colour(p.name) + '"></i>' + t.esc(label) +
        ' <span class="muted">' + counts[i] + '</span></li>';
    });
    var states = [0, 0, 0];
    doc.cells.forEach(function (c) { for (var k = 0; k < 3; k++) if (c[3] & flagNames[k][0]) states[k]++; });
    html += '<li class="state" data-state="stale"><i style="opacity:.3;background:#1f77b4"></i>stale <span class="muted">' + states[0] + '</span></li>';
    html += '<li class="state" data-state="unreachable"><i style="background-image:repeating-linear-gradient(45deg,#000a 0 2px,transparent 2px 5px)"></i>unreachable <span class="muted">' + states[1] + '</span></li>';
    html += '<li class="state" data-state="suspected"><i style="box-shadow:inset 0 0 0 2px #f0a000;background:#fff"></i>suspected (new path being confirmed) <span class="muted">' + states[2] + '</span></li>';
    html += '<li class="state" data-state="none"><i style="background:#eee"></i>no verdict</li>';
    document.getElementById('legend').innerHTML = html;
  }

  t.drawMatrix = function (doc) {
    var A = doc.agents.length, T = doc.targets.length;
    grid = new Array(A * T);
    for (var i = 0; i < doc.cells.length; i++) {
      var c = doc.cells[i];
      grid[c[0] * T + c[1]] = c;
    }
    // One style rule per path.
    var css = '';
    doc.paths.forEach(function (p, k) { css += '.m i.p' + k + '{background-color:' + t.colour(p.name) + '}'; });
    var style = document.getElementById('matrix-style');
    if (!style) {
      style = document.createElement('style');
      style.id = 'matrix-style';
      document.head.appendChild(style);
    }
    style.textContent = css;
    var box = document.getElementById('matrix');
    var avail = (box.parentNode.clientWidth || 1000) - 100;
    var w = Math.max(4, Math.min(28, Math.floor(avail / Math.max(1, T))));
    box.style.setProperty('--w', w + 'px');
    box.style.setProperty('--h', (A > 60 ? 8 : 16) + 'px');
    var out = [];
    // Header: one span per target (its prefix in the title).
    out.push('<div class="r th"><b></b>');
    for (var j = 0; j < T; j++) out.push('<span title="' + doc.targets[j] + '"></span>');
    out.push('</div>');
    for (var a = 0; a < A; a++) {
      out.push('<div class="r" data-agent="' + t.esc(doc.agents[a]) + '"><b>' + t.esc(doc.agents[a]) + '</b>');
      var base = a * T;
      for (var k = 0; k < T; k++) {
        var cell = grid[base + k];
        if (cell === undefined) { out.push('<i class="n"></i>'); continue; }
        var f = cell[3], cls = 'p' + cell[2];
        if (f) {
          if (f & 1) cls += ' s';
          if (f & 2) cls += ' u';
          if (f & 4) cls += ' c';
        }
        out.push('<i class="' + cls + '"></i>');
      }
      out.push('</div>');
    }
    box.innerHTML = out.join('');
    box.setAttribute('data-agents', A);
    box.setAttribute('data-targets', T);
    legend(doc);
    t.drawMatrixSelection();
  };

  // The cell element of (agent, target), or null.
  t.cellElement = function (agent, target) {
    var doc = t.matrix;
    if (!doc) return null;
    var a = doc.agents.indexOf(agent), k = doc.targets.indexOf(target);
    if (a < 0 || k < 0) return null;
    var row = document.getElementById('matrix').children[a + 1];
    return row ? row.children[k + 1] : null;
  };

  t.drawMatrixSelection = function () {
    var box = document.getElementById('matrix');
    var old = box.querySelectorAll('.sel');
    for (var i = 0; i < old.length; i++) old[i].classList.remove('sel');
    var v = t.view;
    if (v.agent) {
      var row = box.querySelector('.r[data-agent="' + CSS.escape(v.agent) + '"] b');
      if (row) row.classList.add('sel');
    }
    if (v.agent && v.target) {
      var el = t.cellElement(v.agent, v.target);
      if (el) el.classList.add('sel');
    }
  };

  // The cell under an <i> element: [agent, target, cell or undefined].
  function cellOf(el) {
    if (!el || el.tagName !== 'I' || !t.matrix) return null;
    var row = el.parentNode;
    if (!row.hasAttribute('data-agent')) return null;
    var k = Array.prototype.indexOf.call(row.children, el) - 1;
    var a = t.matrix.agents.indexOf(row.getAttribute('data-agent'));
    return [t.matrix.agents[a], t.matrix.targets[k], grid[a * t.matrix.targets.length + k]];
  }

  function tipText(info) {
    var doc = t.matrix, c = info[2];
    var lines = [info[0] + ' -> ' + info[1]];
    if (!c) return lines.concat(['no verdict']).join('\n');
    var p = doc.paths[c[2]];
    lines.push('path: ' + p.name + (p.transit_name ? ' (' + p.transit_name + ')' : ''));
    lines.push('border hop: ' + (c[6] || 'unknown') + (c[7] !== null ? ', RTT ' + c[7].toFixed(1) + ' ms' : ''));
    lines.push('since: ' + t.fmtTime(c[4]) + ' UTC');
    lines.push('last observation: ' + t.fmtAge(c[5]) + ' ago');
    var states = [];
    if (c[3] & 1) states.push('stale');
    if (c[3] & 2) states.push('unreachable');
    if (c[3] & 4) states.push('suspected: ' + (c[8] >= 0 ? doc.paths[c[8]].name : '?') + ' being confirmed');
    if (states.length) lines.push(states.join(', '));
    return lines.join('\n');
  }

  document.addEventListener('DOMContentLoaded', function () {
    var box = document.getElementById('matrix'), tip = document.getElementById('tip');
    box.addEventListener('mousemove', function (e) {
      var info = cellOf(e.target);
      if (!info) { tip.hidden = true; return; }
      tip.textContent = tipText(info);
      tip.hidden = false;
      tip.style.left = Math.min(e.clientX + 14, window.innerWidth - 320) + 'px';
      tip.style.top = (e.clientY + 14) + 'px';
    });
    box.addEventListener('mouseleave', function () { tip.hidden = true; });
    box.addEventListener('click', function (e) {
      if (e.target.tagName === 'B' && e.target.parentNode.hasAttribute('data-agent')) {
        t.setView({ agent: e.target.parentNode.getAttribute('data-agent') });
        return;
      }
      var info = cellOf(e.target);
      if (info) t.setView({ agent: info[0], target: info[1] });
    });
  });
})(tumen);
