// The progress of a running import (step 4 of the wizard), pushed by the
// server as Server-Sent Events. The page was rendered with the import as it
// stood; each progress event updates the counts and adds the records
// rejected since. At the end the page reloads, so that the server renders
// the report (step 5). Closing the page never stops the import.
(function () {
  'use strict';

  var section = document.getElementById('progress');
  var id = section.getAttribute('data-import');
  var labels = JSON.parse(document.getElementById('field-labels').textContent || '{}');
  var MAX_ROWS = 2000; // the page lists this many problems at most; the report has all

  function $(x) { return document.getElementById(x); }
  function fmt(n) { return Number(n || 0).toLocaleString('en-US'); }

  function duration(s) {
    s = Math.round(s);
    if (s < 1) return 'under a second';
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.floor(s % 3600 / 60) + ' min';
  }

  function rate(r) {
    if (!r) return '—';
    return (r >= 10 ? fmt(Math.round(r)) : r.toFixed(1)) + ' records/s';
  }

  var body = $('errors').querySelector('tbody');
  var seen = {};
  var lastLine = 0;
  Array.prototype.forEach.call(body.rows, function (tr) {
    var line = parseInt(tr.cells[0].textContent, 10);
    seen[line + '|' + tr.cells[1].textContent + '|' + tr.cells[3].textContent] = true;
    lastLine = Math.max(lastLine, line);
  });

  function cell(label, text, cls) {
    var td = document.createElement('td');
    td.setAttribute('data-label', label);
    if (cls) td.className = cls;
    td.textContent = text;
    return td;
  }

  function addErrors(errs) {
    errs.forEach(function (e) {
      var fieldLabel = e.field ? (labels[e.field] || e.field) : 'the row';
      var key = e.line + '|' + fieldLabel + '|' + e.message;
      if (seen[key] || body.rows.length >= MAX_ROWS) return;
      seen[key] = true;
      var tr = document.createElement('tr');
      tr.className = 'fresh';
      var where = cell('Line', String(e.line));
      if (e.row && e.row !== e.line) {
        var note = document.createElement('span');
        note.className = 'row-note';
        note.title = 'the row a spreadsheet shows it on';
        note.textContent = ' (row ' + e.row + ')';
        where.appendChild(note);
      }
      tr.appendChild(where);
      tr.appendChild(cell('Field', fieldLabel));
      tr.appendChild(cell('Value', e.value || '', 'value'));
      tr.appendChild(cell('Problem', e.message));
      body.appendChild(tr);
    });
    if (body.rows.length) {
      $('errors').hidden = false;
      $('no-errors').hidden = true;
    }
  }

  function update(p) {
    var status = $('status');
    status.textContent = String(p.status).replace(/_/g, ' ');
    status.className = 'status status-' + p.status;
    section.setAttribute('data-status', p.status);
    var bar = $('bar');
    bar.max = p.total || 1;
    bar.value = p.total ? p.records : 0;
    $('processed').textContent = fmt(p.records);
    $('total').textContent = fmt(p.total);
    $('percent').textContent = p.total ? Math.min(100, Math.floor(p.records * 100 / p.total)) : 0;
    ['created', 'updated', 'skipped', 'rejected', 'batches'].forEach(function (k) { $(k).textContent = fmt(p[k]); });
    $('rejected').parentNode.classList.toggle('bad', p.rejected > 0);
    if ($('rate')) $('rate').textContent = rate(p.rate);
    if ($('left')) $('left').textContent = p.seconds_left ? 'about ' + duration(p.seconds_left) : '—';
    if (p.cancel_requested && $('cancel')) {
      $('cancel').disabled = true;
      $('cancel').textContent = 'Cancelling…';
    }
    addErrors(p.errors || []);
    showWarnings(p.warnings || []);
  }

  // Warnings grow with the counts: shown as they come, so that an import
  // that reads phone numbers wrongly can be cancelled early.
  function showWarnings(warnings) {
    var list = $('warnings').querySelector('ul');
    list.textContent = '';
    warnings.forEach(function (w) {
      var li = document.createElement('li');
      li.textContent = w;
      list.appendChild(li);
    });
    $('warnings').hidden = !warnings.length;
  }

  var es = new EventSource('/api/v1/imports/' + id + '/events?after=' + lastLine);
  es.addEventListener('progress', function (ev) { update(JSON.parse(ev.data)); });
  es.addEventListener('end', function () {
    es.close();
    // The server renders the report, with every problem, as step 5.
    location.replace('/imports/' + id);
  });
})();
