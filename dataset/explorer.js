(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var PAGE = 50;
  var M = null, A = null, R = { id: [], a: [], y: [], f: [], rc: [], gr: [], pg: [], dn: [], rv: [], lt: [], u: [] };
  var hay = [], loaded = 0, matches = [], sortKey = 'year', sortDir = -1, page = 0, chosen = -1, timer = 0;
  function esc(s) { return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function num(v) { return v == null ? '' : Number(v).toLocaleString('en-US'); }
  function status(t) { $('x-status').textContent = t; }
  function load(src) {
    var s = document.createElement('script');
    s.src = src;
    s.onerror = function () { status('无法加载 could not load ' + src); };
    document.head.appendChild(s);
  }
  window.NB_LOAD = function (kind, d) {
    if (kind === 'meta') {
      M = d;
      fill($('f-year'), M.years.slice().reverse().map(function (y) { return [y, y]; }));
      fill($('f-format'), M.formats.map(function (f, i) { return [i, f]; }));
      fill($('f-province'), M.provinces.map(function (p, i) { return [i, p]; }).sort(function (a, b) { return a[1].localeCompare(b[1], 'zh-CN'); }));
      load('explore/agencies.js');
    } else if (kind === 'agencies') {
      A = d;
      for (var i = 0; i < A.name.length; i++)
        hay.push((A.name[i] + ' ' + (M.provinces[A.p[i]] || '') + (M.cities[A.c[i]] || '') + (A.k[i] || '') + ' ' + A.ini[i] + ' ' + (A.code[i] || '')).toLowerCase());
      next();
    } else if (kind === 'reports') {
      for (var k in R) Array.prototype.push.apply(R[k], d[k]);
      loaded++;
      next();
    }
  };
  function next() {
    if (loaded < M.chunks.length) { status('加载中 loading ' + R.id.length.toLocaleString('en-US') + ' / ' + M.reports.toLocaleString('en-US') + ' reports …'); load(M.chunks[loaded]); }
    refresh();
  }
  function fill(sel, opts) {
    var keep = sel.options[0];
    sel.innerHTML = '';
    sel.appendChild(keep);
    opts.forEach(function (o) { var e = document.createElement('option'); e.value = o[0]; e.textContent = o[1]; sel.appendChild(e); });
  }
  function cityOptions() {
    var p = $('f-province').value, seen = {}, opts = [];
    if (A && p !== '') for (var i = 0; i < A.name.length; i++) if (String(A.p[i]) === p && A.c[i] >= 0 && !seen[A.c[i]]) { seen[A.c[i]] = 1; opts.push([A.c[i], M.cities[A.c[i]]]); }
    fill($('f-city'), opts.sort(function (a, b) { return a[1].localeCompare(b[1], 'zh-CN'); }));
  }
  function refresh() {
    if (!A) return;
    var terms = $('q').value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var p = $('f-province').value, c = $('f-city').value, y = $('f-year').value, f = $('f-format').value;
    var ok = new Uint8Array(A.name.length);
    for (var i = 0; i < A.name.length; i++) {
      if (p !== '' && String(A.p[i]) !== p) continue;
      if (c !== '' && String(A.c[i]) !== c) continue;
      var h = hay[i], all = true;
      for (var t = 0; t < terms.length; t++) if (h.indexOf(terms[t]) < 0) { all = false; break; }
      if (all) ok[i] = 1;
    }
    matches = [];
    var yn = y === '' ? null : Number(y), fn = f === '' ? null : Number(f);
    for (var r = 0; r < R.id.length; r++) {
      if (!ok[R.a[r]]) continue;
      if (yn !== null && R.y[r] !== yn) continue;
      if (fn !== null && R.f[r] !== fn) continue;
      matches.push(r);
    }
    sortMatches();
    page = 0;
    render();
    var agencies = {};
    var n = 0;
    for (var m = 0; m < matches.length && n < 2; m++) if (!agencies[R.a[matches[m]]]) { agencies[R.a[matches[m]]] = 1; n++; }
    if (n === 1) chart(R.a[matches[0]]);
    else if (chosen < 0) $('x-chart').innerHTML = '<p class="note">点击机关名称查看其各年度报告 Click an agency to see its years.</p>';
    if (loaded >= M.chunks.length) status(matches.length.toLocaleString('en-US') + ' 份报告 matching reports of ' + R.id.length.toLocaleString('en-US'));
  }
  var KEYS = {
    agency: function (r) { return A.name[R.a[r]]; },
    place: function (r) { var a = R.a[r]; return (M.provinces[A.p[a]] || '') + (M.cities[A.c[a]] || '') + (A.k[a] || ''); },
    year: function (r) { return R.y[r]; }, format: function (r) { return M.formats[R.f[r]]; },
    received: function (r) { return R.rc[r]; }, granted: function (r) { return R.gr[r]; }, partial: function (r) { return R.pg[r]; },
    denied: function (r) { return R.dn[r]; }, review: function (r) { return R.rv[r]; }, litigation: function (r) { return R.lt[r]; }
  };
  function sortMatches() {
    var key = KEYS[sortKey], d = sortDir;
    var vals = new Array(R.id.length);
    for (var i = 0; i < matches.length; i++) vals[matches[i]] = key(matches[i]);
    matches.sort(function (a, b) {
      var x = vals[a], y = vals[b];
      if (x == null && y == null) return R.id[a] - R.id[b];
      if (x == null) return 1;
      if (y == null) return -1;
      var c = typeof x === 'number' ? x - y : String(x).localeCompare(String(y), 'zh-CN');
      return c ? c * d : R.id[a] - R.id[b];
    });
  }
  function render() {
    var pages = Math.max(1, Math.ceil(matches.length / PAGE));
    page = Math.min(page, pages - 1);
    var html = [];
    for (var i = page * PAGE; i < Math.min(matches.length, (page + 1) * PAGE); i++) {
      var r = matches[i], a = R.a[r];
      var place = [M.provinces[A.p[a]], M.cities[A.c[a]] !== M.provinces[A.p[a]] ? M.cities[A.c[a]] : null, A.k[a]].filter(Boolean).join(' ');
      html.push('<tr data-report="' + R.id[r] + '"><td class="l"><a href="#" class="ag" data-a="' + a + '">' + esc(A.name[a]) + '</a></td><td class="l">' + esc(place) +
        (A.code[a] ? ' <code>' + A.code[a] + '</code>' : '') + '</td><td>' + (R.y[r] == null ? '' : R.y[r]) + '</td><td class="l">' + esc(M.formats[R.f[r]]) + '</td><td>' + num(R.rc[r]) + '</td><td>' + num(R.gr[r]) +
        '</td><td>' + num(R.pg[r]) + '</td><td>' + num(R.dn[r]) + '</td><td>' + num(R.rv[r]) + '</td><td>' + num(R.lt[r]) + '</td><td>' +
        (R.u[r] && /^(https?|ftp):\/\//i.test(R.u[r]) ? '<a class="src" href="' + esc(R.u[r]) + '" rel="noreferrer">原文 source</a>' : '') + '</td></tr>');
    }
    $('x-rows').innerHTML = html.join('');
    $('x-page').textContent = (page + 1) + ' / ' + pages;
    $('x-prev').disabled = page === 0;
    $('x-next').disabled = page >= pages - 1;
    var ths = document.querySelectorAll('#x-table th[data-key]');
    for (var t = 0; t < ths.length; t++) ths[t].setAttribute('aria-sort', ths[t].getAttribute('data-key') === sortKey ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
  }
  function chart(a) {
    chosen = a;
    var by = {};
    for (var r = 0; r < R.id.length; r++) if (R.a[r] === a && R.y[r] != null) { var e = by[R.y[r]] || (by[R.y[r]] = { n: 0, rc: null }); e.n++; if (R.rc[r] != null) e.rc = (e.rc || 0) + R.rc[r]; }
    var ys = Object.keys(by).map(Number).sort(function (x, y) { return x - y; });
    if (!ys.length) { $('x-chart').innerHTML = ''; return; }
    var first = ys[0], last = ys[ys.length - 1], max = 1;
    ys.forEach(function (y) { if (by[y].rc > max) max = by[y].rc; });
    var W = 36 * (last - first + 1) + 40, H = 150, parts = [];
    for (var y = first; y <= last; y++) {
      var x = 20 + (y - first) * 36, e = by[y];
      if (e) {
        var h = e.rc == null ? 6 : Math.max(3, (e.rc / max) * 90);
        parts.push('<g class="cy" data-year="' + y + '"><rect x="' + (x + 6) + '" y="' + (120 - h) + '" width="24" height="' + h + '" fill="' + (e.rc == null ? '#9aa5b8' : '#1f6feb') + '"><title>' + y + ': ' + (e.rc == null ? '收到申请数未知 received not stated' : '收到申请 received ' + e.rc) + '</title></rect><text x="' + (x + 18) + '" y="' + (112 - h) + '" text-anchor="middle" class="tick">' + (e.rc == null ? '' : num(e.rc)) + '</text>');
      } else parts.push('<g class="cy missing" data-year="' + y + '"><text x="' + (x + 18) + '" y="112" text-anchor="middle" class="miss">缺</text>');
      parts.push('<text x="' + (x + 18) + '" y="138" text-anchor="middle" class="tick">' + y + '</text></g>');
    }
    $('x-chart').innerHTML = '<h3>' + esc(A.name[a]) + ' <small>' + ys.length + ' 年有报告 years with a report; 缺 = missing; bars: 收到申请 applications received</small></h3><svg id="agency-chart" width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + ' ' + H + '">' + parts.join('') + '<line x1="16" x2="' + (W - 16) + '" y1="120" y2="120" class="axis"/></svg>';
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 120); }
  $('q').addEventListener('input', later);
  $('f-province').addEventListener('change', function () { cityOptions(); refresh(); });
  ['f-city', 'f-year', 'f-format'].forEach(function (id) { $(id).addEventListener('change', refresh); });
  $('x-prev').addEventListener('click', function () { page--; render(); });
  $('x-next').addEventListener('click', function () { page++; render(); });
  $('x-table').querySelector('thead').addEventListener('click', function (ev) {
    var th = ev.target.closest('th[data-key]');
    if (!th) return;
    var k = th.getAttribute('data-key');
    sortDir = k === sortKey ? -sortDir : (k === 'agency' || k === 'place' || k === 'format' ? 1 : -1);
    sortKey = k;
    sortMatches();
    page = 0;
    render();
  });
  $('x-rows').addEventListener('click', function (ev) {
    var a = ev.target.closest('a.ag');
    if (!a) return;
    ev.preventDefault();
    chart(Number(a.getAttribute('data-a')));
  });
  // After the first paint: the page shows before any data is read.
  requestAnimationFrame(function () { setTimeout(function () { load('explore/meta.js'); }, 0); });
})();
