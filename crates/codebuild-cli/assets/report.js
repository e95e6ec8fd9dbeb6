// The page script of `cbstats report --format html`: reads the embedded
// report data and builds the headline, charts (Chart.js) and tables of the
// selected view (every project, or one project). Every text from the data
// goes into the page through textContent, never as HTML.
(function () {
  'use strict';
  var started = performance.now();
  var DATA = JSON.parse(document.getElementById('cbstats-data').textContent);
  var META = DATA.meta;
  var VIEWS = DATA.views;
  var BUCKET = META.bucket;

  // Colour-blind-safe palettes: Okabe & Ito for statuses and series, Paul
  // Tol's "muted" (10 colours) for the phases.
  var STATUS_COLORS = {
    SUCCEEDED: '#009E73', FAILED: '#D55E00', FAULT: '#CC79A7', TIMED_OUT: '#E69F00',
    STOPPED: '#999999', IN_PROGRESS: '#56B4E9'
  };
  var SERIES = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#999999'];
  var PHASE_COLORS = ['#332288', '#88CCEE', '#44AA99', '#117733', '#999933', '#DDCC77', '#CC6677', '#882255', '#AA4499', '#DDDDDD'];
  var PHASES = ['SUBMITTED', 'QUEUED', 'PROVISIONING', 'DOWNLOAD_SOURCE', 'INSTALL', 'PRE_BUILD', 'BUILD',
    'POST_BUILD', 'UPLOAD_ARTIFACTS', 'FINALIZING'];
  var WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  var TOP = 20;

  // ---- formatting -------------------------------------------------------
  function isNum(v) { return typeof v === 'number' && isFinite(v); }
  function int(v) { return isNum(v) ? Math.round(v).toLocaleString('en-US') : '–'; }
  function num(v, d) {
    return isNum(v) ? v.toLocaleString('en-US', { maximumFractionDigits: d === undefined ? 2 : d }) : '–';
  }
  // The units of the terminal and Markdown report (crates/codebuild-cli/src/human.rs):
  // durations by magnitude (`45.2s`, `4m 01s`, `2h 13m`, `3d 04h`),
  // percentages with one decimal, dollars to the cent.
  function pct(v, d) { return isNum(v) ? (v * 100).toFixed(d === undefined ? 1 : d) + '%' : '–'; }
  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  function dur(s) {
    if (!isNum(s)) return '–';
    if (s < 0) { var d = dur(-s); return d === '0.0s' ? d : '-' + d; }
    if (s < 59.95) return s.toFixed(1) + 's';
    var whole = Math.round(s);
    if (whole < 3600) return Math.floor(whole / 60) + 'm ' + pad2(whole % 60) + 's';
    var m = Math.round(s / 60);
    if (m < 1440) return Math.floor(m / 60) + 'h ' + pad2(m % 60) + 'm';
    var h = Math.round(s / 3600);
    return int(Math.floor(h / 24)) + 'd ' + pad2(h % 24) + 'h';
  }
  function minutes(m) { return isNum(m) ? dur(m * 60) : '–'; }
  function usd(v) {
    if (!isNum(v)) return '–';
    if (v < 0) return '-' + usd(-v);
    if (v > 0 && v < 0.005) return '<$0.01';
    var cents = Math.round(v * 100);
    return '$' + int(Math.floor(cents / 100)) + '.' + pad2(cents % 100);
  }
  function exact(v) { return isNum(v) ? String(v) : (v === null || v === undefined ? 'null' : String(v)); }
  function day(t) { return t ? String(t).slice(0, 10) : '–'; }
  function when(t) { return t ? String(t).slice(0, 19).replace('T', ' ') : '–'; }
  function bucketWord() { return BUCKET === 'day' ? 'day' : (BUCKET === 'week' ? 'week (from Monday)' : 'month'); }

  // ---- data access ------------------------------------------------------
  // A section of a view: {columns, rows, totalRows} (column names and a
  // row count equal to the rows are written once, at the top of the data).
  function section(view, name) {
    var s = view.sections[name];
    if (!s) return { columns: [], rows: [], totalRows: 0 };
    return { columns: s.columns || DATA.columns[name] || [], rows: s.rows || [], counts: s.counts,
      totalRows: s.totalRows === undefined ? (s.rows || []).length : s.totalRows };
  }
  // The rows of a section as objects keyed by column name.
  function rows(view, name) {
    var s = section(view, name);
    // Bucket dates and normalized failure messages are written as indexes
    // into DATA.buckets and DATA.messages.
    return s.rows.map(function (r) {
      var o = Object.create(null);
      for (var i = 0; i < s.columns.length; i++) {
        var v = r[i], c = s.columns[i];
        if (typeof v === 'number' && c === BUCKET) v = DATA.buckets[v];
        else if (typeof v === 'number' && c === 'normalizedMessage') v = DATA.messages[v];
        o[c] = v;
      }
      return o;
    });
  }
  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

  // ---- DOM helpers ------------------------------------------------------
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') e.textContent = attrs[k];
        else if (k === 'class') e.className = attrs[k];
        else e.setAttribute(k, attrs[k]);
      });
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }

  // A sortable table. `head`: [{label, num}]; `body`: rows of cells, each
  // a string, or {text, sort, cls, node, id}. Clicking a header sorts by
  // that column (again: the other way).
  function makeTable(head, body, opts) {
    opts = opts || {};
    var table = el('table');
    if (opts.caption) table.appendChild(el('caption', { class: 'visually-hidden', text: opts.caption }));
    var thead = el('thead');
    var tr = el('tr');
    var tbody = el('tbody');
    var cells = body.map(function (r) { return r.map(function (c) { return (c !== null && typeof c === 'object') ? c : { text: c }; }); });
    function fill() {
      tbody.textContent = '';
      cells.forEach(function (r) {
        var row = el('tr');
        r.forEach(function (c, j) {
          var td = el('td', { class: (head[j].num ? 'num ' : '') + (c.cls || '') });
          if (c.node) td.appendChild(c.node); else td.textContent = c.text === undefined ? '' : c.text;
          if (c.title) td.title = c.title;
          row.appendChild(td);
        });
        if (r.rowId) row.id = r.rowId;
        tbody.appendChild(row);
      });
    }
    head.forEach(function (h, j) {
      var th = el('th', { scope: 'col', class: h.num ? 'num' : '' });
      var b = el('button', { type: 'button', text: h.label, title: 'Sort by ' + h.label });
      b.addEventListener('click', function () {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(tr.children, function (o) { o.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        cells.sort(function (x, y) {
          var a = x[j].sort !== undefined ? x[j].sort : x[j].text;
          var c = y[j].sort !== undefined ? y[j].sort : y[j].text;
          var an = a === null || a === undefined || a === '', cn = c === null || c === undefined || c === '';
          if (an || cn) return an === cn ? 0 : (an ? 1 : -1); // empty cells last
          var r = (typeof a === 'number' && typeof c === 'number') ? a - c : String(a).localeCompare(String(c));
          return asc ? r : -r;
        });
        fill();
      });
      th.appendChild(b);
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    table.appendChild(thead);
    table.appendChild(tbody);
    body.forEach(function (r, i) { if (r.rowId) cells[i].rowId = r.rowId; });
    fill();
    return el('div', { class: 'tablewrap' }, [table]);
  }

  function numCell(v, text) { return { text: text === undefined ? num(v) : text, sort: isNum(v) ? v : null, title: exact(v) }; }

  // ---- charts -----------------------------------------------------------
  var charts = [];

  function baseOptions(o) {
    var opts = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'nearest', intersect: false },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12 } },
        tooltip: { callbacks: {} }
      },
      scales: {}
    };
    return deepMerge(opts, o || {});
  }
  function deepMerge(a, b) {
    Object.keys(b).forEach(function (k) {
      if (b[k] && typeof b[k] === 'object' && !Array.isArray(b[k]) && a[k] && typeof a[k] === 'object') deepMerge(a[k], b[k]);
      else a[k] = b[k];
    });
    return a;
  }
  function axis(title, extra) { return deepMerge({ title: { display: true, text: title }, beginAtZero: true }, extra || {}); }

  // A figure: title, caption, the chart, and its data as a table (the text
  // alternative). `spec`: {id, title, caption, wide, size, config, head, body}.
  function figure(container, spec) {
    var fig = el('figure', { id: 'fig-' + spec.id, class: spec.wide ? 'wide' : '' });
    var h = el('h3', { id: 'title-' + spec.id, text: spec.title });
    fig.appendChild(h);
    fig.appendChild(el('figcaption', { text: spec.caption }));
    var wrap = el('div', { class: 'canvas ' + (spec.size || '') });
    var canvas = el('canvas', { id: 'chart-' + spec.id, role: 'img', 'aria-label': spec.title + '. ' + spec.caption + ' The data is in the table below.' });
    wrap.appendChild(canvas);
    fig.appendChild(wrap);
    if (spec.empty) fig.appendChild(el('p', { class: 'empty', text: spec.empty }));
    var det = el('details');
    det.appendChild(el('summary', { text: 'Data table: ' + spec.title }));
    det.appendChild(makeTable(spec.head, spec.body, { caption: spec.title }));
    fig.appendChild(det);
    container.appendChild(fig);
    var cfg = spec.config;
    cfg.options = baseOptions(cfg.options);
    cfg.options.plugins.title = { display: false };
    charts.push(new Chart(canvas, cfg));
  }

  function block(container, id, title, note, wide) {
    var b = el('div', { class: 'block' + (wide ? ' wide' : ''), id: 'block-' + id });
    b.appendChild(el('h3', { text: title }));
    if (note) b.appendChild(el('p', { class: 'note', text: note }));
    container.appendChild(b);
    return b;
  }

  // ---- the view ---------------------------------------------------------
  function headline(view) {
    var h = view.headline;
    var dl = document.getElementById('headline');
    dl.textContent = '';
    var items = [
      ['builds', 'Builds', int(h.builds)],
      ['projects', 'Projects', int(h.projects)],
      ['window', 'Window (build starts, UTC)', day(h.firstStart) + ' → ' + day(h.lastStart), [h.firstStart, h.lastStart].join('/')],
      ['successRate', 'Success rate', pct(h.successRate)],
      ['buildMinutes', 'Build time', minutes(h.buildMinutes)],
      ['durationP50', 'Build duration p50', dur(h.durationP50)],
      ['durationP95', 'Build duration p95', dur(h.durationP95)],
      ['completed', 'Completed builds', int(h.completed)],
      ['estimatedCostUsd', 'Estimated cost', usd(h.estimatedCostUsd)],
      ['notPricedBuilds', 'Builds not priced', int(h.notPricedBuilds)]
    ];
    items.forEach(function (it) {
      var value = it.length > 3 ? it[3] : exact(h[it[0]]);
      var dd = el('dd', { 'data-metric': it[0], 'data-value': value, title: it[0] === 'window' ? value : 'exact: ' + value, text: it[2] });
      if (it[0] === 'window') dd.className = 'small';
      dl.appendChild(el('div', null, [el('dt', { text: it[1] }), dd]));
    });
    var sc = document.getElementById('scope-name');
    sc.textContent = view.name === null ? '— all projects' : '— project ' + view.name;
  }

  function loadTable() {
    var c = META.load.counts;
    var body = Object.keys(c).map(function (k) { return [k, numCell(c[k], int(c[k]))]; });
    var box = document.getElementById('load');
    box.textContent = '';
    box.appendChild(el('p', { text: META.accounting + (META.load.balances ? '' : ' — the accounting does not balance') }));
    var f = META.filters;
    var fl = [];
    if (f.projects && f.projects.length) fl.push('projects ' + f.projects.join(', '));
    if (f.since) fl.push('since ' + f.since);
    if (f.until) fl.push('until ' + f.until);
    box.appendChild(el('p', { text: fl.length ? 'Filters: ' + fl.join('; ') : 'No filters: every build of the archive.' }));
    box.appendChild(makeTable([{ label: 'count' }, { label: 'value', num: true }], body));
  }

  // Bucket labels (dates) of a view: the union over the time sections.
  function bucketLabels(view) {
    var set = Object.create(null);
    ['outcomes by time bucket', 'queue over time', 'concurrency over time'].forEach(function (n) {
      rows(view, n).forEach(function (r) { if (r[BUCKET]) set[r[BUCKET]] = true; });
    });
    return Object.keys(set).sort();
  }
  function series(list, labels, key) {
    var by = Object.create(null);
    list.forEach(function (r) { if (r[BUCKET]) by[r[BUCKET]] = r; });
    return labels.map(function (l) { return by[l] ? by[l][key] : null; });
  }

  function overTime(view) {
    var box = document.getElementById('time');
    var labels = bucketLabels(view);
    var out = rows(view, 'outcomes by time bucket').filter(function (r) { return r[BUCKET]; });
    var cols = section(view, 'outcomes by time bucket').columns;
    var statuses = cols.slice(cols.indexOf('builds') + 1, cols.indexOf('completed'));
    var per = 'per ' + bucketWord() + ' of the build start (UTC)';
    var used = statuses.filter(function (s) { return out.some(function (r) { return r[s] > 0; }); });
    var extra = 0;
    var sets = used.map(function (s) {
      return { label: s, data: series(out, labels, s).map(function (v) { return v || 0; }),
        backgroundColor: STATUS_COLORS[s] || SERIES[(extra++) % SERIES.length], stack: 'all' };
    });
    figure(box, {
      id: 'status', title: 'Builds by status', caption: 'Builds ' + per + ', stacked by final status.',
      config: { type: 'bar', data: { labels: labels, datasets: sets }, options: {
        scales: { x: axis(BUCKET + ' (UTC)', { stacked: true }), y: axis('builds', { stacked: true }) },
        plugins: { tooltip: { mode: 'index', callbacks: { label: function (c) { return c.dataset.label + ': ' + int(c.raw) + ' builds'; } } } } } },
      head: [{ label: BUCKET }].concat(used.map(function (s) { return { label: s, num: true }; })).concat([{ label: 'builds', num: true }]),
      body: out.map(function (r) { return [r[BUCKET]].concat(used.map(function (s) { return numCell(r[s], int(r[s])); })).concat([numCell(r.builds, int(r.builds))]); })
    });
    figure(box, {
      id: 'success', title: 'Success rate', caption: 'SUCCEEDED / (completed − STOPPED) ' + per + '.',
      config: { type: 'line', data: { labels: labels, datasets: [{ label: 'success rate', data: series(out, labels, 'successRate').map(function (v) { return isNum(v) ? v * 100 : null; }), borderColor: SERIES[2], backgroundColor: SERIES[2], pointRadius: 2 }] },
        options: { scales: { x: axis(BUCKET + ' (UTC)'), y: axis('success rate (%)', { min: 0, max: 100 }) },
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return 'success rate: ' + (isNum(c.raw) ? c.raw.toFixed(2) + ' %' : '–'); } } } } } },
      head: [{ label: BUCKET }, { label: 'success rate', num: true }, { label: 'completed', num: true }],
      body: out.map(function (r) { return [r[BUCKET], numCell(r.successRate, pct(r.successRate, 2)), numCell(r.completed, int(r.completed))]; })
    });
    var durLine = function (label, key, color, list, scale) {
      return { label: label, data: series(list, labels, key).map(function (v) { return isNum(v) ? v / scale : null; }), borderColor: color, backgroundColor: color, pointRadius: 2, spanGaps: false };
    };
    figure(box, {
      id: 'duration', title: 'Build duration', caption: 'p50 and p95 of the duration of completed builds ' + per + ', in minutes.',
      config: { type: 'line', data: { labels: labels, datasets: [durLine('p50', 'durationP50', SERIES[0], out, 60), durLine('p95', 'durationP95', SERIES[1], out, 60)] },
        options: { scales: { x: axis(BUCKET + ' (UTC)'), y: axis('build duration (minutes)') },
          plugins: { tooltip: { mode: 'index', callbacks: { label: function (c) { return c.dataset.label + ': ' + dur(c.raw * 60) + ' (' + num(c.raw * 60, 3) + ' s)'; } } } } } },
      head: [{ label: BUCKET }, { label: 'p50', num: true }, { label: 'p95', num: true }],
      body: out.map(function (r) { return [r[BUCKET], numCell(r.durationP50, dur(r.durationP50)), numCell(r.durationP95, dur(r.durationP95))]; })
    });
    var wait = rows(view, 'queue over time');
    figure(box, {
      id: 'wait', title: 'Queue + provisioning wait', caption: 'p50 and p95 of the QUEUED + PROVISIONING phases of each build ' + per + ', in seconds.',
      config: { type: 'line', data: { labels: labels, datasets: [durLine('p50', 'waitP50', SERIES[4], wait, 1), durLine('p95', 'waitP95', SERIES[5], wait, 1)] },
        options: { scales: { x: axis(BUCKET + ' (UTC)'), y: axis('wait (seconds)') },
          plugins: { tooltip: { mode: 'index', callbacks: { label: function (c) { return c.dataset.label + ': ' + dur(c.raw) + ' (' + num(c.raw, 3) + ' s)'; } } } } } },
      head: [{ label: BUCKET }, { label: 'builds', num: true }, { label: 'p50', num: true }, { label: 'p95', num: true }],
      body: wait.map(function (r) { return [r[BUCKET], numCell(r.builds, int(r.builds)), numCell(r.waitP50, dur(r.waitP50)), numCell(r.waitP95, dur(r.waitP95))]; })
    });
  }

  function whereTimeGoes(view) {
    var box = document.getElementById('where');
    // Phase share per project: the overall view has every project's phase
    // totals; a project view has its own.
    var groups = [];
    if (view.name === null) {
      var byP = Object.create(null);
      rows(view, 'phase timing').forEach(function (r) {
        var g = byP[r.projectName] || (byP[r.projectName] = { name: r.projectName, total: 0, denom: 0, phases: Object.create(null) });
        g.phases[r.phaseType] = r;
        g.total += r.totalSeconds || 0;
        if (r.share > 0 && !g.denom) g.denom = r.totalSeconds / r.share;
      });
      groups = Object.keys(byP).map(function (k) { return byP[k]; }).sort(function (a, b) { return b.total - a.total; });
      if (groups.length > TOP) {
        var rest = groups.slice(TOP);
        var other = { name: 'other (' + rest.length + ' projects)', total: 0, denom: 0, phases: Object.create(null) };
        rest.forEach(function (g) {
          other.total += g.total; other.denom += g.denom;
          Object.keys(g.phases).forEach(function (p) {
            var o = other.phases[p] || (other.phases[p] = { totalSeconds: 0 });
            o.totalSeconds += g.phases[p].totalSeconds || 0;
          });
        });
        Object.keys(other.phases).forEach(function (p) { other.phases[p].share = other.denom > 0 ? other.phases[p].totalSeconds / other.denom : null; });
        groups = groups.slice(0, TOP).concat([other]);
      }
    } else {
      var g = { name: view.name, total: 0, phases: Object.create(null) };
      rows(view, 'phase spread').forEach(function (r) { g.phases[r.phaseType] = r; g.total += r.totalSeconds || 0; });
      groups = [g];
    }
    var phases = PHASES.filter(function (p) { return groups.some(function (g) { return g.phases[p] && g.phases[p].totalSeconds > 0; }); });
    var datasets = phases.map(function (p, i) {
      return { label: p, backgroundColor: PHASE_COLORS[PHASES.indexOf(p) % PHASE_COLORS.length],
        data: groups.map(function (g) { var r = g.phases[p]; return r && isNum(r.share) ? r.share * 100 : 0; }),
        minutes: groups.map(function (g) { var r = g.phases[p]; return r ? (r.totalSeconds || 0) / 60 : 0; }) };
    });
    figure(box, {
      id: 'phase-share', wide: true, size: groups.length > 6 ? 'tall' : '',
      title: 'Phase share of build minutes per project',
      caption: (view.name === null ? 'The ' + Math.min(TOP, groups.length) + ' projects with the most phase minutes' + (groups.length > TOP ? ', the rest together' : '') + '. ' : '') +
        'Each bar is 100 % of the project\u2019s build time, split by phase.',
      config: { type: 'bar', data: { labels: groups.map(function (g) { return g.name; }), datasets: datasets },
        options: { indexAxis: 'y', scales: { x: axis('share of build time (%)', { stacked: true, max: 100 }), y: { stacked: true, ticks: { autoSkip: false } } },
          plugins: { tooltip: { mode: 'nearest', intersect: true, callbacks: { label: function (c) { return c.dataset.label + ': ' + c.raw.toFixed(2) + ' % (' + minutes(c.dataset.minutes[c.dataIndex]) + ')'; } } } } } },
      head: [{ label: 'project' }, { label: 'phase minutes', num: true }].concat(phases.map(function (p) { return { label: p + ' %', num: true }; })),
      body: groups.map(function (g) { return [g.name, numCell(g.total / 60, minutes(g.total / 60))].concat(phases.map(function (p) { var r = g.phases[p]; var s = r ? r.share : null; return numCell(s, pct(s, 2)); })); })
    });
    var spread = rows(view, 'phase spread').filter(function (r) { return r.count > 0; });
    var qs = [['p50', SERIES[0]], ['p90', SERIES[4]], ['p95', SERIES[1]], ['p99', SERIES[5]]];
    figure(box, {
      id: 'phase-spread', wide: true, title: 'Phase duration spread',
      caption: 'p50, p90, p95 and p99 of each phase\u2019s duration' + (view.name === null ? ' over every build' : '') + ', in seconds (logarithmic axis).',
      config: { type: 'bar', data: { labels: spread.map(function (r) { return r.phaseType; }),
        datasets: qs.map(function (q) { return { label: q[0], backgroundColor: q[1], data: spread.map(function (r) { return isNum(r[q[0]]) ? Math.max(r[q[0]], 0.01) : null; }), exact: spread.map(function (r) { return r[q[0]]; }) }; }) },
        options: { scales: { x: axis('phase'), y: axis('duration (seconds, log scale)', { type: 'logarithmic', beginAtZero: false }) },
          plugins: { tooltip: { mode: 'index', callbacks: { label: function (c) { var v = c.dataset.exact[c.dataIndex]; return c.dataset.label + ': ' + dur(v) + ' (' + num(v, 3) + ' s)'; } } } } } },
      head: [{ label: 'phase' }, { label: 'count', num: true }, { label: 'p50', num: true }, { label: 'p90', num: true }, { label: 'p95', num: true }, { label: 'p99', num: true }, { label: 'share', num: true }],
      body: spread.map(function (r) { return [r.phaseType, numCell(r.count, int(r.count)), numCell(r.p50, dur(r.p50)), numCell(r.p90, dur(r.p90)), numCell(r.p95, dur(r.p95)), numCell(r.p99, dur(r.p99)), numCell(r.share, pct(r.share, 2))]; })
    });
  }

  function failures(view) {
    var box = document.getElementById('failures');
    var fp = rows(view, 'failures by phase');
    figure(box, {
      id: 'failed-phase', title: 'Failures by failed phase', caption: 'Failure builds (FAILED, FAULT, TIMED_OUT) by the first phase that did not succeed.',
      empty: fp.length ? '' : 'No failure builds.',
      config: { type: 'bar', data: { labels: fp.map(function (r) { return r.failedPhase || '(none)'; }), datasets: [{ label: 'failures', backgroundColor: STATUS_COLORS.FAILED, data: fp.map(function (r) { return r.count; }) }] },
        options: { scales: { x: axis('failed phase'), y: axis('failure builds') }, plugins: { legend: { display: false },
          tooltip: { callbacks: { label: function (c) { return int(c.raw) + ' failures (' + pct(fp[c.dataIndex].share, 2) + ' of all)'; } } } } } },
      head: [{ label: 'failed phase' }, { label: 'failures', num: true }, { label: 'share', num: true }],
      body: fp.map(function (r) { return [r.failedPhase || '(none)', numCell(r.count, int(r.count)), numCell(r.share, pct(r.share, 2))]; })
    });
    var rateChart = function (id, title, name, key, top, horizontal) {
      var wide = horizontal;
      var list = rows(view, name).slice().sort(function (a, b) { return b.builds - a.builds; }).slice(0, top);
      figure(box, {
        id: id, title: title, caption: 'Failures / (completed − STOPPED) per ' + key + (top < section(view, name).totalRows ? ' (the ' + top + ' with the most builds)' : '') + '.',
        size: horizontal && list.length > 8 ? 'tall' : '', wide: wide,
        empty: list.length ? '' : 'No builds.',
        config: { type: 'bar', data: { labels: list.map(function (r) { var k = r[Object.keys(r)[0]]; return k === null ? '(none)' : k; }),
          datasets: [{ label: 'failure rate', backgroundColor: SERIES[5], data: list.map(function (r) { return isNum(r.failureRate) ? r.failureRate * 100 : null; }) }] },
          options: { indexAxis: horizontal ? 'y' : 'x', scales: horizontal ? { x: axis('failure rate (%)'), y: { ticks: { autoSkip: false, callback: function (v) { var l = this.getLabelForValue(v); return l.length > 64 ? '…' + l.slice(-63) : l; } } } } : { x: axis(key), y: axis('failure rate (%)') },
            plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { var r = list[c.dataIndex]; return pct(r.failureRate, 2) + ': ' + int(r.failures) + ' failures of ' + int(r.completed) + ' completed (' + int(r.builds) + ' builds)'; } } } } } },
        head: [{ label: key }, { label: 'builds', num: true }, { label: 'completed', num: true }, { label: 'failures', num: true }, { label: 'failure rate', num: true }],
        body: rows(view, name).map(function (r) { var k = r[Object.keys(r)[0]]; return [{ text: k === null ? '(none)' : k, cls: 'msg' }, numCell(r.builds, int(r.builds)), numCell(r.completed, int(r.completed)), numCell(r.failures, int(r.failures)), numCell(r.failureRate, pct(r.failureRate, 2))]; })
      });
    };
    rateChart('rate-compute', 'Failure rate by compute type', 'failure rates by compute type', 'compute type', 20, false);
    rateChart('rate-image', 'Failure rate by image', 'failure rates by image', 'image', 15, true);

    // Top reasons, each linked to its example build and back.
    var reasons = rows(view, 'top failure reasons');
    var b = block(box, 'reasons', 'Top failure reasons',
      'Failure builds grouped by status code and normalized message (ids, numbers and paths replaced by placeholders); the example is the latest build with that reason, with its full message.' +
      (section(view, 'top failure reasons').totalRows > reasons.length ? ' Only the ' + reasons.length + ' most frequent of ' + int(section(view, 'top failure reasons').totalRows) + ' are shown here; ' + (view.name === null ? 'the command “cbstats report --section top-failure-reasons” lists every one.' : 'the all-projects view has more.') : ''), true);
    if (!reasons.length) { b.appendChild(el('p', { class: 'empty', text: 'No failure builds.' })); return; }
    var link = function (href, text) { var a = el('a', { href: href, text: text }); return a; };
    var body = reasons.map(function (r, i) {
      var row = [numCell(i + 1, String(i + 1)), r.failureStatusCode || '(none)', { text: r.normalizedMessage || '(no message)', cls: 'msg' },
        numCell(r.count, int(r.count)), numCell(r.share, pct(r.share, 2)), { text: day(r.firstSeen), title: r.firstSeen || '', cls: 'date' }, { text: day(r.lastSeen), title: r.lastSeen || '', cls: 'date' },
        { node: link('#example-' + i, r.exampleBuildId || '–'), sort: r.exampleBuildId || '', cls: 'id' }];
      row.rowId = 'reason-' + i;
      return row;
    });
    b.appendChild(makeTable([{ label: '#', num: true }, { label: 'status code' }, { label: 'reason (normalized)' }, { label: 'builds', num: true }, { label: 'share', num: true }, { label: 'first seen' }, { label: 'last seen' }, { label: 'example build' }], body, { caption: 'Top failure reasons' }));
    var ex = block(box, 'examples', 'Example builds of the failure reasons', 'The full, raw failure message of each reason\u2019s example build.', true);
    ex.appendChild(makeTable([{ label: 'build id' }, { label: 'reason', num: true }, { label: 'started' }, { label: 'full message' }], reasons.map(function (r, i) {
      var row = [{ text: r.exampleBuildId || '–', cls: 'id' }, { node: link('#reason-' + i, '#' + (i + 1)), sort: i }, { text: when(r.lastSeen), title: r.lastSeen || '', cls: 'date' }, { text: r.exampleMessage === null ? (r.normalizedMessage || '(no message)') : (r.exampleMessage || '(empty message)'), cls: 'msg' }];
      row.rowId = 'example-' + i;
      return row;
    }), { caption: 'Example builds' }));
  }

  function topBy(list, key, n) {
    return list.filter(function (r) { return isNum(r[key]) && r[key] > 0; }).sort(function (a, b) { return b[key] - a[key] || String(a.projectName).localeCompare(String(b.projectName)); }).slice(0, n);
  }

  function retries(view) {
    var box = document.getElementById('retries');
    var all = rows(view, 'retry summary');
    var list = topBy(all, 'chainsWithRetries', TOP);
    var head = [{ label: 'project' }, { label: 'chains', num: true }, { label: 'with retries', num: true }, { label: 'recovered', num: true }, { label: 'exhausted', num: true }, { label: 'recovery rate', num: true }, { label: 'retry rate', num: true }, { label: 'minutes wasted', num: true }];
    var body = all.map(function (r) { return [r.projectName, numCell(r.chains, int(r.chains)), numCell(r.chainsWithRetries, int(r.chainsWithRetries)), numCell(r.recovered, int(r.recovered)), numCell(r.exhausted, int(r.exhausted)), numCell(r.recoveryRate, pct(r.recoveryRate)), numCell(r.retryRate, pct(r.retryRate)), numCell(r.minutesWasted, minutes(r.minutesWasted))]; });
    var names = list.map(function (r) { return r.projectName; });
    figure(box, {
      id: 'retry-chains', title: 'Auto-retry chains: recovered vs exhausted',
      caption: 'Chains with retries per project' + (all.length > 1 ? ' (the ' + TOP + ' with the most)' : '') + ': recovered (ended SUCCEEDED), exhausted (ended failed at the retry limit), other.',
      size: list.length > 8 ? 'tall' : '', empty: list.length ? '' : 'No auto-retry chains.',
      config: { type: 'bar', data: { labels: names, datasets: [
        { label: 'recovered', backgroundColor: STATUS_COLORS.SUCCEEDED, data: list.map(function (r) { return r.recovered; }) },
        { label: 'exhausted', backgroundColor: STATUS_COLORS.FAILED, data: list.map(function (r) { return r.exhausted; }) },
        { label: 'other', backgroundColor: STATUS_COLORS.STOPPED, data: list.map(function (r) { return r.chainsWithRetries - r.recovered - r.exhausted; }) }] },
        options: { indexAxis: 'y', scales: { x: axis('chains with retries', { stacked: true }), y: { stacked: true, ticks: { autoSkip: false } } },
          plugins: { tooltip: { mode: 'index', callbacks: { label: function (c) { return c.dataset.label + ': ' + int(c.raw) + ' chains'; }, footer: function (items) { var r = list[items[0].dataIndex]; return 'minutes wasted: ' + minutes(r.minutesWasted); } } } } } },
      head: head, body: body
    });
    var wasted = topBy(all, 'minutesWasted', TOP);
    figure(box, {
      id: 'wasted', title: 'Build minutes wasted on retries', caption: 'Minutes of the chain members before the final one, per project' + (all.length > 1 ? ' (the ' + TOP + ' with the most)' : '') + '.',
      size: wasted.length > 8 ? 'tall' : '', empty: wasted.length ? '' : 'No minutes wasted.',
      config: { type: 'bar', data: { labels: wasted.map(function (r) { return r.projectName; }), datasets: [{ label: 'minutes wasted', backgroundColor: SERIES[1], data: wasted.map(function (r) { return r.minutesWasted; }) }] },
        options: { indexAxis: 'y', scales: { x: axis('minutes'), y: { ticks: { autoSkip: false } } }, plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return minutes(c.raw) + ' (' + num(c.raw, 4) + ')'; } } } } } },
      head: head, body: body
    });
    // Flaky commits.
    var fr = rows(view, 'flaky rate');
    var commits = fr.reduce(function (s, r) { return s + (r.commits || 0); }, 0);
    var flakyN = fr.reduce(function (s, r) { return s + (r.flakyCommits || 0); }, 0);
    var fsec = section(view, 'flaky commits');
    var b = block(box, 'flaky', 'Flaky commits',
      int(flakyN) + ' of ' + int(commits) + ' commits (' + pct(commits ? flakyN / commits : null, 2) + ') have both a SUCCEEDED and a failed build' +
      (fsec.totalRows > fsec.rows.length ? '; the ' + fsec.rows.length + ' with the most failures are shown.' : '.'), true);
    var fl = rows(view, 'flaky commits');
    if (fl.length) {
      b.appendChild(makeTable([{ label: 'project' }, { label: 'commit' }, { label: 'builds', num: true }, { label: 'succeeded', num: true }, { label: 'failures', num: true }, { label: 'stopped', num: true }, { label: 'first seen' }, { label: 'last seen' }, { label: 'recovered by retry' }],
        fl.map(function (r) { return [r.projectName || view.name, { text: r.resolvedSourceVersion, cls: 'id' }, numCell(r.builds, int(r.builds)), numCell(r.succeeded, int(r.succeeded)), numCell(r.failures, int(r.failures)), numCell(r.stopped, int(r.stopped)), { text: when(r.firstSeen), title: r.firstSeen || '', cls: 'date' }, { text: when(r.lastSeen), title: r.lastSeen || '', cls: 'date' }, r.recoveredByRetry ? 'yes' : 'no']; }), { caption: 'Flaky commits' }));
    } else b.appendChild(el('p', { class: 'empty', text: 'No flaky commits.' }));
    // Manual rebuilds.
    var ms = rows(view, 'manual rebuild summary');
    var total = ms.reduce(function (s, r) { return s + (r.rebuilds || 0); }, 0);
    var rescued = ms.reduce(function (s, r) { return s + (r.rescued || 0); }, 0);
    var after = ms.reduce(function (s, r) { return s + (r.afterFailure || 0); }, 0);
    var msec = section(view, 'manual rebuilds');
    var m = block(box, 'rebuilds', 'Manual rebuilds',
      int(total) + ' builds rebuilt a commit already built (' + int(after) + ' after a failure, ' + int(rescued) + ' of them rescued it)' +
      (msec.totalRows > msec.rows.length ? '; the latest ' + msec.rows.length + ' are shown.' : '.'), true);
    var mr = rows(view, 'manual rebuilds');
    if (mr.length) {
      m.appendChild(makeTable([{ label: 'build id' }, { label: 'project' }, { label: 'commit' }, { label: 'started' }, { label: 'status' }, { label: 'previous build' }, { label: 'previous status' }, { label: 'rescued' }],
        mr.map(function (r) { return [{ text: r.id, cls: 'id' }, r.projectName || view.name, { text: r.resolvedSourceVersion, cls: 'id' }, { text: when(r.startTime), title: r.startTime || '', cls: 'date' }, r.buildStatus || '', { text: r.previousId || '', cls: 'id' }, r.previousStatus || '', r.rescued ? 'yes' : 'no']; }), { caption: 'Manual rebuilds' }));
    } else m.appendChild(el('p', { class: 'empty', text: 'No manual rebuilds.' }));
  }

  function recovery(view) {
    var box = document.getElementById('recovery');
    var all = rows(view, 'recovery summary');
    var list = topBy(all, 'redShare', TOP);
    figure(box, {
      id: 'mttr', wide: true, title: 'Time to recover and red share',
      caption: 'Per project' + (all.length > 1 ? ' (the ' + TOP + ' with the largest red share)' : '') + ': MTTR, the mean length of closed red periods (hours, left axis), and red share, the share of the time from first build start to last build end spent red (%, right axis).',
      size: list.length > 8 ? 'tall' : '', empty: list.length ? '' : 'No red periods.',
      config: { type: 'bar', data: { labels: list.map(function (r) { return r.projectName; }), datasets: [
        { label: 'MTTR (hours)', backgroundColor: SERIES[0], data: list.map(function (r) { return isNum(r.mttrSeconds) ? r.mttrSeconds / 3600 : null; }), yAxisID: 'y' },
        { label: 'red share (%)', backgroundColor: SERIES[5], data: list.map(function (r) { return isNum(r.redShare) ? r.redShare * 100 : null; }), yAxisID: 'y2' }] },
        options: { scales: { x: axis('project', { ticks: { autoSkip: false } }), y: axis('MTTR (hours)', { position: 'left' }), y2: axis('red share (%)', { position: 'right', grid: { drawOnChartArea: false } }) },
          plugins: { tooltip: { mode: 'index', callbacks: { label: function (c) { var r = list[c.dataIndex]; return c.datasetIndex === 0 ? 'MTTR: ' + dur(r.mttrSeconds) : 'red share: ' + pct(r.redShare, 3); } } } } } },
      head: [{ label: 'project' }, { label: 'red periods', num: true }, { label: 'open', num: true }, { label: 'MTTR', num: true }, { label: 'red share', num: true }, { label: 'longest failure streak', num: true }, { label: 'mean streak', num: true }, { label: 'P(fail | fail)', num: true }],
      body: all.map(function (r) { return [r.projectName, numCell(r.redPeriods, int(r.redPeriods)), numCell(r.openRedPeriods, int(r.openRedPeriods)), numCell(r.mttrSeconds, dur(r.mttrSeconds)), numCell(r.redShare, pct(r.redShare, 3)), numCell(r.maxStreak, int(r.maxStreak)), numCell(r.meanStreak, num(r.meanStreak)), numCell(r.pFailAfterFail, pct(r.pFailAfterFail, 1))]; })
    });
  }

  function load(view) {
    var box = document.getElementById('loadcharts');
    var conc = rows(view, 'concurrency over time');
    var labels = conc.map(function (r) { return r[BUCKET]; });
    var peak = rows(view, 'peak concurrency').filter(function (r) { return view.name === null ? r.projectName === null : true; })[0];
    figure(box, {
      id: 'concurrency', title: 'Concurrency over time',
      caption: 'Builds running at once per ' + bucketWord() + ' (UTC): the peak, and the mean (build time within the ' + BUCKET + ' / its length). Overall peak: ' + (peak ? int(peak.peakConcurrency) + ' at ' + when(peak.peakAt) : '–') + '.',
      config: { type: 'line', data: { labels: labels, datasets: [
        { label: 'peak', data: conc.map(function (r) { return r.peakConcurrency; }), borderColor: SERIES[5], backgroundColor: SERIES[5], stepped: 'middle', pointRadius: 1 },
        { label: 'mean', data: conc.map(function (r) { return r.meanConcurrency; }), borderColor: SERIES[0], backgroundColor: SERIES[0], pointRadius: 1 }] },
        options: { scales: { x: axis(BUCKET + ' (UTC)'), y: axis('builds running at once') },
          plugins: { tooltip: { mode: 'index', callbacks: { label: function (c) { return c.dataset.label + ': ' + num(c.raw, 3) + ' builds'; } } } } } },
      head: [{ label: BUCKET }, { label: 'peak', num: true }, { label: 'mean', num: true }],
      body: conc.map(function (r) { return [r[BUCKET], numCell(r.peakConcurrency, int(r.peakConcurrency)), numCell(r.meanConcurrency, num(r.meanConcurrency, 3))]; })
    });
    var bm = rows(view, 'build minutes');
    var key = 'environment.computeType';
    figure(box, {
      id: 'compute-minutes', title: 'Build minutes by compute type', caption: 'Total build minutes per compute type, and the minutes of succeeded, failed and auto-retried builds (the splits overlap).',
      empty: bm.length ? '' : 'No builds.',
      config: { type: 'bar', data: { labels: bm.map(function (r) { return r[key] || '(none)'; }), datasets: [
        { label: 'total', backgroundColor: SERIES[0], data: bm.map(function (r) { return r.totalMinutes; }) },
        { label: 'succeeded', backgroundColor: STATUS_COLORS.SUCCEEDED, data: bm.map(function (r) { return r.succeededMinutes; }) },
        { label: 'failed', backgroundColor: STATUS_COLORS.FAILED, data: bm.map(function (r) { return r.failedMinutes; }) },
        { label: 'retried', backgroundColor: SERIES[1], data: bm.map(function (r) { return r.retriedMinutes; }) }] },
        options: { scales: { x: axis('compute type'), y: axis('build minutes') },
          plugins: { tooltip: { mode: 'index', callbacks: { label: function (c) { return c.dataset.label + ': ' + minutes(c.raw) + ' (' + num(c.raw, 4) + ')'; } } } } } },
      head: [{ label: 'compute type' }, { label: 'builds', num: true }, { label: 'total', num: true }, { label: 'succeeded', num: true }, { label: 'failed', num: true }, { label: 'retried', num: true }],
      body: bm.map(function (r) { return [r[key] || '(none)', numCell(r.builds, int(r.builds)), numCell(r.totalMinutes, minutes(r.totalMinutes)), numCell(r.succeededMinutes, minutes(r.succeededMinutes)), numCell(r.failedMinutes, minutes(r.failedMinutes)), numCell(r.retriedMinutes, minutes(r.retriedMinutes))]; })
    });
    var counts = section(view, 'builds per hour of week').counts || [];
    var max = counts.reduce(function (m, v) { return Math.max(m, v); }, 0);
    var cells = [];
    for (var d = 0; d < 7; d++) for (var h = 0; h < 24; h++) cells.push({ x: String(h).padStart(2, '0'), y: WEEKDAYS[d], v: counts[d * 24 + h] || 0 });
    var heat = css('--heat') || '0, 114, 178';
    var hours = []; for (var i = 0; i < 24; i++) hours.push(String(i).padStart(2, '0'));
    figure(box, {
      id: 'hour-of-week', wide: true, size: 'heat', title: 'Builds by hour of week',
      caption: 'Builds started in each hour of the week (UTC); darker is more (the busiest hour has ' + int(max) + ').',
      config: { type: 'matrix', data: { datasets: [{ label: 'builds', data: cells,
        backgroundColor: function (c) { var v = c.dataset.data[c.dataIndex].v; return 'rgba(' + heat + ', ' + (v ? 0.12 + 0.88 * v / max : 0.03) + ')'; },
        borderColor: css('--grid'), borderWidth: 1,
        width: function (c) { var a = c.chart.chartArea; return a ? a.width / 24 - 2 : 10; },
        height: function (c) { var a = c.chart.chartArea; return a ? a.height / 7 - 2 : 10; } }] },
        options: { interaction: { mode: 'nearest', intersect: true }, scales: {
          x: { type: 'category', labels: hours, offset: true, grid: { display: false }, title: { display: true, text: 'hour of day (UTC)' } },
          y: { type: 'category', labels: WEEKDAYS, offset: true, reverse: true, grid: { display: false }, title: { display: true, text: 'weekday' } } },
          plugins: { legend: { display: false }, tooltip: { callbacks: { title: function () { return ''; }, label: function (c) { var p = c.raw; return p.y + ' ' + p.x + ':00–' + p.x + ':59 UTC: ' + int(p.v) + ' builds'; } } } } } },
      head: [{ label: 'weekday' }].concat(hours.map(function (h) { return { label: h, num: true }; })),
      body: WEEKDAYS.map(function (w, d) { return [w].concat(hours.map(function (h, j) { var v = counts[d * 24 + j] || 0; return numCell(v, String(v)); })); })
    });
  }

  function cost(view) {
    var box = document.getElementById('cost');
    var prices = META.prices || {};
    var byProject = rows(view, 'estimated cost by project');
    var list = topBy(byProject, 'estimatedCostUsd', TOP);
    var notPriced = byProject.reduce(function (n, r) { return n + (r.notPricedBuilds || 0); }, 0);
    var from = 'Prices: ' + (prices.source || 'built-in table') + ', as of ' + (prices.asOf || '–') + '. On-demand; EC2 types billed per started minute, Lambda types per second.';
    figure(box, {
      id: 'cost-projects', title: 'Estimated cost per project',
      caption: (byProject.length > 1 ? 'The ' + Math.min(TOP, list.length) + ' most expensive projects. ' : '') + 'Of each, what failed builds, auto-retried builds (chain members before the final one) and manual rebuilds cost (these overlap). ' + (notPriced ? int(notPriced) + ' builds are not priced (their region or compute type has no price) and count for nothing. ' : '') + from,
      size: list.length > 8 ? 'tall' : '', empty: list.length ? '' : 'No build is priced: no price for its region and compute type.',
      config: { type: 'bar', data: { labels: list.map(function (r) { return r.projectName; }), datasets: [
        { label: 'total', backgroundColor: SERIES[0], data: list.map(function (r) { return r.estimatedCostUsd; }) },
        { label: 'failed builds', backgroundColor: STATUS_COLORS.FAILED, data: list.map(function (r) { return r.failedEstimatedCostUsd; }) },
        { label: 'auto-retries', backgroundColor: SERIES[1], data: list.map(function (r) { return r.retryEstimatedCostUsd; }) },
        { label: 'manual rebuilds', backgroundColor: SERIES[2], data: list.map(function (r) { return r.manualRebuildEstimatedCostUsd; }) }] },
        options: { indexAxis: 'y', scales: { x: axis('estimated cost (USD)'), y: { ticks: { autoSkip: false } } },
          plugins: { tooltip: { mode: 'index', callbacks: { label: function (c) { return c.dataset.label + ': ' + usd(c.raw) + ' (' + exact(c.raw) + ')'; } } } } } },
      head: [{ label: 'project' }, { label: 'builds', num: true }, { label: 'not priced', num: true }, { label: 'billed time', num: true }, { label: 'estimated cost', num: true }, { label: 'share', num: true }, { label: 'failed', num: true }, { label: 'auto-retries', num: true }, { label: 'manual rebuilds', num: true }],
      body: byProject.map(function (r) { return [r.projectName === null ? '(none)' : r.projectName, numCell(r.builds, int(r.builds)), numCell(r.notPricedBuilds, int(r.notPricedBuilds)), numCell(r.billedMinutes, minutes(r.billedMinutes)), numCell(r.estimatedCostUsd, usd(r.estimatedCostUsd)), numCell(r.shareOfEstimatedCost, pct(r.shareOfEstimatedCost)), numCell(r.failedEstimatedCostUsd, usd(r.failedEstimatedCostUsd)), numCell(r.retryEstimatedCostUsd, usd(r.retryEstimatedCostUsd)), numCell(r.manualRebuildEstimatedCostUsd, usd(r.manualRebuildEstimatedCostUsd))]; })
    });
    // By region and compute type: in the all-projects view only.
    if (view.name !== null) return;
    var byCompute = rows(view, 'estimated cost by compute type');
    var priced = byCompute.filter(function (r) { return isNum(r.estimatedCostUsd) && r.estimatedCostUsd > 0; });
    var label = function (r) { return (r.region || '(no region)') + ' ' + (r['environment.computeType'] || '(none)'); };
    figure(box, {
      id: 'cost-compute', title: 'Estimated cost per region and compute type',
      caption: 'Billed time times the price of each (region, environment type, compute type); rows without a price are listed in the table with an empty cost. ' + from,
      empty: priced.length ? '' : 'No build is priced.',
      config: { type: 'bar', data: { labels: priced.map(label), datasets: [
        { label: 'estimated cost', backgroundColor: SERIES[0], data: priced.map(function (r) { return r.estimatedCostUsd; }) }] },
        options: { scales: { x: axis('region and compute type'), y: axis('estimated cost (USD)') },
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { var r = priced[c.dataIndex]; return usd(c.raw) + ' (' + exact(c.raw) + '; ' + int(r.pricedBuilds) + ' builds, ' + minutes(r.billedMinutes) + ' billed at $' + r.usdPerMinute + '/min)'; } } } } } },
      head: [{ label: 'region' }, { label: 'environment type' }, { label: 'compute type' }, { label: 'billing' }, { label: 'builds', num: true }, { label: 'priced', num: true }, { label: 'billed time', num: true }, { label: 'USD per minute', num: true }, { label: 'estimated cost', num: true }],
      body: byCompute.map(function (r) { return [r.region || '(none)', r['environment.type'] || '(none)', r['environment.computeType'] || '(none)', r.billing || '', numCell(r.builds, int(r.builds)), numCell(r.pricedBuilds, int(r.pricedBuilds)), numCell(r.billedMinutes, minutes(r.billedMinutes)), numCell(r.usdPerMinute, isNum(r.usdPerMinute) ? '$' + r.usdPerMinute : 'not priced'), numCell(r.estimatedCostUsd, usd(r.estimatedCostUsd))]; })
    });
  }

  function themeDefaults() {
    Chart.defaults.color = css('--fg');
    Chart.defaults.borderColor = css('--grid');
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.datasets.bar.maxBarThickness = 40;
  }

  var current = 0;
  function render(i) {
    var t0 = performance.now();
    current = i;
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    ['time', 'where', 'failures', 'retries', 'recovery', 'loadcharts', 'cost'].forEach(function (id) { document.getElementById(id).textContent = ''; });
    themeDefaults();
    var view = VIEWS[i];
    headline(view);
    overTime(view);
    whereTimeGoes(view);
    failures(view);
    retries(view);
    recovery(view);
    load(view);
    cost(view);
    document.body.setAttribute('data-view', view.name === null ? '' : view.name);
    window.cbstatsRenderMs = performance.now() - t0;
  }

  // The project selector: "All projects", then every project by name.
  var select = document.getElementById('project');
  VIEWS.forEach(function (v, i) {
    var o = el('option', { value: String(i), text: v.name === null ? 'All projects (' + (VIEWS.length - 1) + ')' : v.name + ' (' + int(v.headline.builds) + ' builds)' });
    select.appendChild(o);
  });
  function fromHash() {
    var m = /^#project=(.*)$/.exec(location.hash);
    if (!m) return 0;
    var name = decodeURIComponent(m[1]);
    for (var i = 1; i < VIEWS.length; i++) if (VIEWS[i].name === name) return i;
    return 0;
  }
  select.addEventListener('change', function () {
    var i = Number(select.value);
    history.replaceState(null, '', i ? '#project=' + encodeURIComponent(VIEWS[i].name) : location.pathname + location.search);
    render(i);
  });
  // Links to rows of the tables highlight the row they point at.
  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[href^="#reason-"], a[href^="#example-"]');
    if (!a) return;
    e.preventDefault();
    var row = document.getElementById(a.getAttribute('href').slice(1));
    if (!row) return;
    Array.prototype.forEach.call(document.querySelectorAll('tr.hl'), function (r) { r.classList.remove('hl'); });
    var det = row.closest('details'); if (det) det.open = true;
    row.classList.add('hl');
    row.scrollIntoView({ block: 'center' });
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', function () { render(current); });

  loadTable();
  var first = fromHash();
  select.value = String(first);
  render(first);
  document.body.setAttribute('data-rendered', 'true');
  window.cbstatsLoadMs = performance.now() - started;
})();
