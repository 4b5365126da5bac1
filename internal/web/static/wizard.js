// The import wizard's first three steps (choose file, map, summary) on one
// page, driven by the JSON API. The step is in the URL's hash, so that the
// browser's Back button and a reload behave; what the user chose is kept in
// sessionStorage for the same reason. Start hands over to /imports/{id},
// which the server renders with the progress and the report.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('wizard-data').textContent);
  var STORE = 'localcrm.wizard';
  var STEPS = { choose: 1, map: 2, summary: 3 };
  var ERROR_COLUMN = 'error'; // a rejects file's last column, ignored on import

  var state = null; // {upload, mapping: field → column, manual: field → true, options, dry}
  var file = null;  // the File chosen in step 1, to read again with other settings

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === false || v === null || v === undefined) return;
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else if (k === 'hidden') e.hidden = !!v;
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }

  function save() {
    try { sessionStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* private mode: no memory across reloads */ }
  }

  function restore() {
    try { return JSON.parse(sessionStorage.getItem(STORE) || 'null'); } catch (e) { return null; }
  }

  function forget() {
    try { sessionStorage.removeItem(STORE); } catch (e) { /* nothing kept */ }
  }

  function fmt(n) { return Number(n || 0).toLocaleString('en-US'); }

  // bytes says a file's size as people read it: "737 KB", "1.2 MB".
  function bytes(n) {
    if (n < 1024) return fmt(n) + ' bytes';
    if (n < 1 << 20) return fmt(Math.round(n / 1024)) + ' KB';
    return (n / (1 << 20)).toFixed(1) + ' MB';
  }

  function labelOf(list, value) {
    for (var i = 0; i < list.length; i++) if (list[i].value === value) return list[i].label;
    return value;
  }

  function field(key) {
    for (var i = 0; i < data.fields.length; i++) if (data.fields[i].key === key) return data.fields[i];
    return null;
  }

  function sentence(s) {
    s = String(s || '');
    if (!s) return s;
    s = s.charAt(0).toUpperCase() + s.slice(1);
    return /[.!?]$/.test(s) ? s : s + '.';
  }

  // api calls the JSON API and throws an Error with the API's message (and
  // its per-field messages in .fields) when the answer is not a success.
  function api(method, url, body) {
    var opts = { method: method, headers: { Accept: 'application/json' } };
    if (body instanceof FormData) {
      opts.body = body;
    } else if (body !== undefined) {
      opts.body = JSON.stringify(body);
      opts.headers['Content-Type'] = 'application/json';
    }
    return fetch(url, opts).then(function (res) {
      return res.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
        if (!res.ok) {
          var detail = json && json.error;
          var err = new Error((detail && detail.message) || ('The server answered ' + res.status + ' ' + res.statusText + '.'));
          err.fields = (detail && detail.fields) || {};
          err.status = res.status;
          throw err;
        }
        return json;
      });
    }, function () {
      throw new Error('The server could not be reached. Check that localcrm is running, then try again.');
    });
  }

  function showError(msg) {
    var box = $('wizard-error');
    box.textContent = msg || '';
    box.hidden = !msg;
    if (msg) box.scrollIntoView({ block: 'nearest' });
  }

  function busy(id, on) {
    $(id).hidden = !on;
  }

  // ---- Steps -------------------------------------------------------------

  function current() {
    var h = location.hash.replace('#', '');
    return STEPS[h] ? h : 'choose';
  }

  function go(step) {
    if (current() === step && location.hash) show(step, true);
    else location.hash = step;
  }

  function show(step, focus) {
    if (step !== 'choose' && !state) step = 'choose';
    if (step === 'summary' && !state.dry) step = 'map';
    if (location.hash.replace('#', '') !== step && location.hash) history.replaceState(null, '', '#' + step);
    Object.keys(STEPS).forEach(function (s) { $('step-' + s).hidden = s !== step; });
    var n = STEPS[step];
    document.querySelectorAll('#steps li').forEach(function (li) {
      var i = Number(li.getAttribute('data-step'));
      li.classList.toggle('done', i < n);
      if (i === n) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    });
    document.title = ['Choose file', 'Map columns', 'Summary'][n - 1] + ' · New import · localcrm';
    showError('');
    if (step === 'choose') renderChoose();
    if (step === 'map') renderMap();
    if (step === 'summary') renderSummary();
    if (focus) {
      var h = $('step-' + step).querySelector('h2');
      h.setAttribute('tabindex', '-1');
      h.focus();
    }
  }

  window.addEventListener('hashchange', function () { show(current(), true); });

  // ---- Step 1: choose file -----------------------------------------------

  function fillSelect(sel, choices) {
    sel.textContent = '';
    choices.forEach(function (c) { sel.appendChild(el('option', { value: c.value, text: c.label })); });
  }

  fillSelect($('encoding'), data.encodings);
  fillSelect($('delimiter'), data.delimiters);
  $('max-upload').textContent = Math.round(data.max_upload / (1 << 20)) + ' MB';

  // Choosing a file, or dropping one on the step, reads it at once:
  // another file is read with detection again.
  $('file').addEventListener('change', function () {
    $('encoding').value = '';
    $('delimiter').value = '';
    $('sheet').textContent = '';
    if ($('file').files.length) $('upload-form').requestSubmit();
  });
  // Another sheet of a workbook is read at once too.
  $('sheet').addEventListener('change', function () { $('upload-form').requestSubmit(); });
  var zone = $('step-choose');
  ['dragenter', 'dragover'].forEach(function (type) {
    zone.addEventListener(type, function (ev) {
      if (!ev.dataTransfer || Array.prototype.indexOf.call(ev.dataTransfer.types, 'Files') < 0) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = 'copy';
      zone.classList.add('dragging');
    });
  });
  zone.addEventListener('dragleave', function (ev) {
    if (!zone.contains(ev.relatedTarget)) zone.classList.remove('dragging');
  });
  zone.addEventListener('drop', function (ev) {
    zone.classList.remove('dragging');
    if (!ev.dataTransfer || !ev.dataTransfer.files.length) return;
    ev.preventDefault();
    $('file').files = ev.dataTransfer.files;
    $('file').dispatchEvent(new Event('change'));
  });

  $('upload-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    showError('');
    var chosen = $('file').files[0] || file;
    if (!chosen) {
      showError('Choose a CSV file or an Excel workbook first.');
      $('file').focus();
      return;
    }
    if (chosen.size > data.max_upload) {
      showError('The file is ' + (chosen.size / (1 << 20)).toFixed(1) + ' MB; this server takes files up to ' +
        Math.round(data.max_upload / (1 << 20)) + ' MB. Split it into smaller files.');
      return;
    }
    var params = new URLSearchParams();
    if ($('encoding').value) params.set('encoding', $('encoding').value);
    if ($('delimiter').value) params.set('delimiter', $('delimiter').value);
    if ($('sheet').value) params.set('sheet', $('sheet').value);
    var form = new FormData();
    form.append('file', chosen, chosen.name);
    var previous = state && state.upload;
    $('upload-button').disabled = true;
    busy('upload-busy', true);
    api('POST', '/api/v1/imports' + (params.toString() ? '?' + params : ''), form).then(function (up) {
      file = chosen;
      if (previous && previous.id !== up.id) {
        // The earlier reading of the file will never start: say so, so
        // that the history does not show it waiting.
        api('POST', '/api/v1/imports/' + previous.id + '/cancel').catch(function () {});
      }
      state = newState(up, state);
      save();
      unmatchedItems = {};
      $('unmatched-list').textContent = '';
      templateStatus('');
      $('template-replace').hidden = true;
      history.replaceState(null, '', '#choose');
      renderChoose();
      $('to-map').focus();
    }, function (err) {
      showError(err.message);
    }).then(function () {
      $('upload-button').disabled = false;
      busy('upload-busy', false);
    });
  });

  // noRules are the update rules before the user chooses any: the file's
  // values replace the customer's, blanks never erase.
  function noRules() {
    return { default: 'overwrite', fields: {}, blank_clears: [] };
  }

  // newState starts the wizard's memory for an upload, keeping the options
  // chosen for an earlier reading of the same file; a new file starts from
  // the options the server gives it: the defaults, or those of the earlier
  // import it is mapped as.
  function newState(up, old) {
    var u = up.update_rules || {};
    var s = {
      upload: up,
      mapping: {},
      manual: {},
      reasons: {},
      suggested: {}, // field → the column the automatic matching chose
      options: (old && old.options) || {
        on_duplicate: up.on_duplicate || data.duplicates[0].value,
        date_format: up.date_format || data.date_formats[0].value,
        batch_size: up.batch_size || data.batch_size,
        country: up.country || '',
        country_column: up.country_column || '',
        check_phones: !!up.check_phones,
        keep_record: !!up.keep_record
      },
      update: (old && old.update) || { default: u.default || 'overwrite', fields: u.fields || {}, blank_clears: u.blank_clears || [] },
      dry: null
    };
    Object.keys(up.suggested_mapping || {}).forEach(function (col) {
      var key = up.suggested_mapping[col];
      s.mapping[key] = col;
      s.suggested[key] = col;
      s.reasons[key] = (up.reasons || {})[col] || '';
    });
    return s;
  }

  function renderChoose() {
    var up = state && state.upload;
    $('file-info').hidden = !up;
    $('to-map').disabled = !up;
    $('upload-button').hidden = !up; // a chosen file is read at once; this reads it again
    if (!up) return;
    $('upload-button').textContent = 'Read the file again';
    $('upload-button').classList.remove('primary');
    $('encoding').value = up.encoding;
    $('delimiter').value = up.delimiter;
    // A workbook has sheets to choose from, and no encoding or delimiter
    // of its own: its sheet is read as localcrm writes CSV.
    var sheets = up.sheets || [];
    $('sheet-field').hidden = !sheets.length;
    $('encoding-field').hidden = $('delimiter-field').hidden = !!sheets.length;
    fillSelect($('sheet'), sheets.map(function (s) { return { value: s, label: s }; }));
    $('sheet').value = up.sheet || '';
    $('info-file').textContent = up.file + ' (' + bytes(up.size) + ')';
    // A workbook's sheet is kept as UTF-8 CSV: its encoding and delimiter
    // are localcrm's, not the file's, and say nothing to the person.
    $('info-encoding').textContent = up.sheet ? 'Excel workbook, sheet “' + up.sheet + '”'
      : labelOf(data.encodings, up.encoding) + (up.bom ? ' with byte-order mark' : '');
    $('info-delimiter').textContent = up.sheet ? '—' : labelOf(data.delimiters, up.delimiter);
    $('info-records').textContent = fmt(up.records);
    $('info-columns').textContent = fmt(up.columns.length);
    var table = $('preview');
    table.textContent = '';
    var head = el('tr', {}, up.columns.map(function (c) { return el('th', { scope: 'col', text: c }); }));
    table.appendChild(el('thead', {}, [head]));
    var body = el('tbody');
    (up.preview || []).forEach(function (row) {
      var cells = Array.isArray(row) ? row : up.columns.map(function (c) { return row[c]; });
      body.appendChild(el('tr', {}, up.columns.map(function (c, i) {
        var v = cells[i] === undefined ? '' : String(cells[i]);
        return el('td', { text: v, title: v.length > 30 ? v : null });
      })));
    });
    table.appendChild(body);
  }

  $('to-map').addEventListener('click', function () { go('map'); });

  // ---- Step 2: map ---------------------------------------------------------

  // columns lists the file's columns that can be mapped: all but the error
  // column a rejects file ends with.
  function columns() {
    var cols = state.upload.columns.slice();
    if (cols.length && cols[cols.length - 1] === ERROR_COLUMN) cols.pop();
    return cols;
  }

  function previewValues(col) {
    var i = state.upload.columns.indexOf(col);
    var seen = {};
    var out = [];
    (state.upload.preview || []).forEach(function (row) {
      var v = String((Array.isArray(row) ? row[i] : row[col]) || '').trim();
      if (v && !seen[v.toLowerCase()]) {
        seen[v.toLowerCase()] = true;
        out.push(v);
      }
    });
    return out;
  }

  function renderMap() {
    renderMapping();
    renderUnmatched();
    renderOptions();
    checkRequired();
    if (templates === null) loadTemplates();
  }

  // renderMapping lists the fields, those mapped (and the required ones)
  // first; the optional fields left unmapped fold into one "more fields"
  // row, so that the step fits a phone's screen. Beside each pull-down, a
  // few values of the chosen column show what it holds.
  function renderMapping() {
    var body = $('mapping').querySelector('tbody');
    body.textContent = '';
    var cols = columns();
    var main = [], more = [];
    data.fields.forEach(function (f) {
      (state.mapping[f.key] || f.required || f.key === 'first_name' || f.key === 'last_name' ? main : more).push(f);
    });
    main.forEach(function (f) { body.appendChild(mappingRow(f, cols)); });
    if (more.length) {
      var toggle = el('button', { type: 'button', id: 'more-fields', class: 'small', 'aria-expanded': 'false' },
        ['More fields (' + more.length + ' not mapped)']);
      body.appendChild(el('tr', { class: 'group more' }, [el('td', { colspan: '3' }, [toggle])]));
      var rows = more.map(function (f) {
        var tr = mappingRow(f, cols);
        tr.hidden = true;
        body.appendChild(tr);
        return tr;
      });
      toggle.addEventListener('click', function () {
        var open = toggle.getAttribute('aria-expanded') !== 'true';
        toggle.setAttribute('aria-expanded', String(open));
        rows.forEach(function (tr) { tr.hidden = !open; });
        if (open) rows[0].querySelector('select').focus();
      });
    }
    data.fields.forEach(function (f) { renderWhy(f.key); });
  }

  // showField unfolds the row of a field, if it is among "more fields".
  function showField(key) {
    var row = $('row-' + key);
    if (row && row.hidden) $('more-fields').click();
  }

  // mappingRow is a field's row: its name, the pull-down of the file's
  // columns with a few values of the chosen one, and why it was chosen.
  function mappingRow(f, cols) {
    var id = 'map-' + f.key;
    var sel = el('select', { id: id, 'data-field': f.key, 'aria-describedby': 'samples-' + f.key + ' why-' + f.key });
    sel.appendChild(el('option', { value: '', text: '— not imported —' }));
    cols.forEach(function (c) { sel.appendChild(el('option', { value: c, text: c })); });
    sel.value = state.mapping[f.key] || '';
    sel.addEventListener('change', onMap);
    var label = el('label', { for: id }, [f.label + (f.required ? ' *' : '')]);
    var name = [label];
    if (f.key === 'account_number') {
      name.push(el('span', { class: 'key-note', text: 'Optional, only to find existing customers to update: localcrm gives new customers their numbers.' }));
    }
    return el('tr', { id: 'row-' + f.key }, [
      el('td', { 'data-label': 'CRM field' }, name),
      el('td', { 'data-label': 'Column in your file' }, [sel, el('span', { class: 'samples', id: 'samples-' + f.key })]),
      el('td', { 'data-label': 'Why', class: 'why', id: 'why-' + f.key })
    ]);
  }

  // renderSamples shows a few values of the column mapped to key.
  function renderSamples(key) {
    var out = $('samples-' + key);
    if (!out) return;
    var col = state.mapping[key];
    var vs = col ? previewValues(col).slice(0, 3) : [];
    out.textContent = !col ? '' : vs.length ? 'e.g. ' + vs.join(' · ') : 'empty in the first rows';
  }

  function renderWhy(key) {
    renderSamples(key);
    var why = $('why-' + key);
    if (!why) return;
    var f = field(key);
    var col = state.mapping[key];
    var text = '';
    why.classList.remove('manual');
    if (col && state.manual[key]) {
      text = state.reasons[key] || 'Chosen by you.';
      why.classList.add('manual');
    } else if (col) {
      text = sentence(state.reasons[key] || 'Chosen by you');
    } else if (choiceFor(key)) {
      text = choiceFor(key);
    } else if (f && (f.key === 'first_name' || f.key === 'last_name')) {
      text = onlyUpdating() ? 'Only a record that creates a customer needs it.' : 'Required: choose the column that holds it.';
    }
    why.textContent = text;
    $('row-' + key).classList.toggle('missing', !col && (key === 'first_name' || key === 'last_name') && !onlyUpdating());
  }

  // choiceFor says, for an unmapped field, which column the automatic
  // matching could not decide between it and another field.
  function choiceFor(key) {
    var choices = state.upload.choices || {};
    var cols = Object.keys(choices).filter(function (col) {
      return choices[col].indexOf(key) >= 0 && columns().indexOf(col) >= 0 && !Object.keys(state.mapping).some(function (k) { return state.mapping[k] === col; });
    });
    return cols.length ? sentence((state.upload.reasons || {})[cols[0]]) : '';
  }

  function onMap(ev) {
    assign(ev.target.getAttribute('data-field'), ev.target.value);
  }

  // assign maps the column col to the field key ("" for none), as the
  // user chose.
  function assign(key, col) {
    var note = 'Chosen by you.';
    if (col) {
      // A column fills one field: taking it here frees it elsewhere.
      Object.keys(state.mapping).forEach(function (other) {
        if (other !== key && state.mapping[other] === col) {
          delete state.mapping[other];
          $('map-' + other).value = '';
          renderWhy(other);
          note = 'Chosen by you (moved here from ' + (field(other) || { label: other }).label + ').';
        }
      });
      state.mapping[key] = col;
    } else {
      delete state.mapping[key];
    }
    if (col && (state.suggested || {})[key] === col) {
      // Back to what the matching proposed: its reason holds again.
      state.manual[key] = false;
      state.reasons[key] = (state.upload.reasons || {})[col] || '';
    } else {
      state.manual[key] = true;
      state.reasons[key] = col ? note : '';
    }
    state.dry = null;
    save();
    data.fields.forEach(function (f) { renderWhy(f.key); }); // a column taken is no longer a choice elsewhere
    renderUnmatched();
    renderRules();
    checkRequired();
  }

  var unmatchedItems = {}; // column → its list item, kept so that an open form survives

  function renderUnmatched() {
    var list = $('unmatched-list');
    var mapped = {};
    Object.keys(state.mapping).forEach(function (k) { mapped[state.mapping[k]] = true; });
    var any = false;
    columns().forEach(function (col, i) {
      var li = unmatchedItems[col];
      if (!li || !list.contains(li)) {
        li = unmatchedItem(col, i);
        unmatchedItems[col] = li;
        list.appendChild(li);
      }
      li.hidden = !!mapped[col];
      any = any || !mapped[col];
      fieldChoices(li.querySelector('select.to-field'));
    });
    // Columns of an earlier upload go.
    Array.prototype.slice.call(list.children).forEach(function (li) {
      if (columns().indexOf(li.getAttribute('data-column')) < 0) list.removeChild(li);
    });
    $('unmatched-hint').textContent = !any ? 'Every column of the file is mapped to a field.'
      : data.can_create_fields ? 'These columns are not imported. Map them above, or create a custom field for one.'
      : 'These columns are not imported. Map them above, or ask an admin to create a custom field for one.';
    var cols = state.upload.columns;
    if (cols.length && cols[cols.length - 1] === ERROR_COLUMN) {
      $('unmatched-hint').textContent += ' The last column, “error”, is the message of a rejects file and is ignored.';
    }
  }

  // fieldName derives a custom field's name from a label: lowercase a-z,
  // digits and _, starting with a letter, unique among the fields.
  function fieldName(label) {
    var n = String(label).toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
      .replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
    if (!/^[a-z]/.test(n)) n = 'f_' + n;
    n = n.replace(/_+$/, '').slice(0, 32);
    var base = n;
    for (var i = 2; field(n); i++) n = base.slice(0, 32 - String(i).length - 1) + '_' + i;
    return n;
  }

  // guessType proposes a type from a column's sample values.
  function guessType(vs) {
    if (!vs.length) return 'text';
    function all(re) { return vs.every(function (v) { return re.test(v); }); }
    if (all(/^(true|false|yes|no|y|n)$/i)) return 'checkbox';
    if (all(/^https?:\/\/\S+$/i)) return 'url';
    if (all(/^(\d{1,2}\/\d{1,2}\/\d{4}|\d{4}-\d{1,2}-\d{1,2})$/)) return 'date';
    if (all(/^[+-]?(\d+(\.\d*)?|\.\d+)$/)) return 'number';
    var rows = (state.upload.preview || []).length;
    if (vs.length <= 10 && vs.length < rows && vs.every(function (v) { return v.length <= 85; })) return 'picklist';
    return 'text';
  }

  // fieldChoices fills an unmatched column's pull-down with the fields no
  // column fills yet.
  function fieldChoices(sel) {
    sel.textContent = '';
    sel.appendChild(el('option', { value: '', text: 'Map to an existing field…' }));
    data.fields.forEach(function (f) {
      if (!state.mapping[f.key]) sel.appendChild(el('option', { value: f.key, text: f.label }));
    });
  }

  function unmatchedItem(col, i) {
    var id = 'cf-' + i;
    var samples = previewValues(col);
    var li = el('li', { 'data-column': col });
    var toggle = el('button', {
      type: 'button', class: 'small', 'aria-expanded': 'false', 'aria-controls': id,
      'aria-label': 'Create a custom field for this column: ' + col
    }, ['Create a custom field for this column']);
    // An unmatched "Mailing City" is more often an existing field under
    // another name than a new one: mapping it comes first.
    var toField = el('select', { id: 'um-' + i, class: 'to-field', 'aria-label': 'Map the column ' + col + ' to an existing field' });
    fieldChoices(toField);
    toField.addEventListener('change', function () {
      var key = toField.value;
      if (!key) return;
      assign(key, col);
      $('map-' + key).value = col;
      showField(key);
      $('map-' + key).focus();
    });
    li.appendChild(el('div', { class: 'unmatched-head' }, [
      el('span', { class: 'col', text: col }),
      el('span', { class: 'sample', text: samples.length ? 'e.g. ' + samples.slice(0, 4).join(', ') : 'empty in the preview' }),
      toField
    ]));
    // Only admins create fields; the server refuses anyone else, so the
    // offer is not made to them.
    if (!data.can_create_fields) return li;
    li.firstChild.appendChild(toggle);

    var label = el('input', { id: id + '-label', maxlength: '32', value: col.slice(0, 32) });
    var name = el('input', { id: id + '-name', maxlength: '32', value: fieldName(col), autocapitalize: 'none', spellcheck: 'false', 'aria-describedby': id + '-name-hint' });
    var type = el('select', { id: id + '-type' });
    [['text', 'Text'], ['url', 'Web address (URL)'], ['number', 'Number'], ['date', 'Date'], ['picklist', 'Picklist'], ['checkbox', 'Checkbox (yes/no)']]
      .forEach(function (t) { type.appendChild(el('option', { value: t[0], text: t[1] })); });
    type.value = guessType(samples);
    var values = el('textarea', { id: id + '-values', rows: '4', 'aria-describedby': id + '-values-hint' });
    values.value = samples.join('\n');
    var valuesField = el('div', { class: 'field wide' }, [
      el('label', { for: id + '-values', text: 'Picklist values, one per line' }), values,
      el('p', { class: 'hint', id: id + '-values-hint', text: 'Taken from the first rows of the file; add any the file has further down.' })
    ]);
    var error = el('p', { class: 'error', role: 'alert', hidden: true });
    var nameEdited = false;
    label.addEventListener('input', function () { if (!nameEdited) name.value = fieldName(label.value); });
    name.addEventListener('input', function () { nameEdited = true; });
    function syncType() { valuesField.hidden = type.value !== 'picklist'; }
    type.addEventListener('change', syncType);
    syncType();
    var submit = el('button', { type: 'submit', class: 'primary' }, ['Create the field and map “' + col + '” to it']);
    var form = el('form', { id: id, class: 'cf-form', hidden: true, 'aria-label': 'New custom field for the column ' + col }, [
      el('div', { class: 'grid' }, [
        el('div', { class: 'field' }, [el('label', { for: id + '-label', text: 'Label' }), label]),
        el('div', { class: 'field' }, [el('label', { for: id + '-name', text: 'Name' }), name,
          el('p', { class: 'hint', id: id + '-name-hint', text: 'a–z, 0–9 and _, starting with a letter.' })]),
        el('div', { class: 'field' }, [el('label', { for: id + '-type', text: 'Type' }), type,
          el('p', { class: 'hint', text: 'It cannot be changed after saving.' })]),
        valuesField
      ]),
      error,
      el('div', { class: 'actions' }, [submit, el('button', {
        type: 'button', class: 'quiet', onclick: function () { open(false); toggle.focus(); }
      }, ['Cancel'])])
    ]);
    li.appendChild(form);

    var fileValues = null; // the column's values in the whole file, once asked
    function open(on) {
      form.hidden = !on;
      toggle.setAttribute('aria-expanded', String(on));
      if (on) label.focus();
      if (on && fileValues === null) {
        fileValues = [];
        api('GET', '/api/v1/imports/' + state.upload.id + '/values?column=' + encodeURIComponent(col)).then(function (r) {
          fileValues = r.values;
          values.value = r.values.join('\n');
          $(id + '-values-hint').textContent = r.more
            ? 'The first ' + fmt(r.values.length) + ' different values of the column in the file, the most a picklist holds.'
            : 'Every different value of the column in the file (' + fmt(r.values.length) + ').';
          if (type.value === 'text' && r.values.length <= 10 && r.values.length < state.upload.records) {
            type.value = 'picklist';
            syncType();
          }
        }, function () { /* the preview's values stay */ });
      }
    }
    toggle.addEventListener('click', function () { open(form.hidden); });

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      error.hidden = true;
      var body = { name: name.value.trim(), label: label.value.trim(), type: type.value };
      if (type.value === 'picklist') {
        body.values = values.value.split('\n').map(function (v) { return v.trim(); }).filter(Boolean);
      }
      submit.disabled = true;
      api('POST', '/api/v1/fields', body).then(function (f) {
        data.fields.push({ key: f.key, label: f.label, type: f.type, required: !!f.required, standard: false });
        state.mapping[f.key] = col;
        state.manual[f.key] = true;
        state.reasons[f.key] = 'The new custom field for this column.';
        state.dry = null;
        save();
        open(false);
        renderMapping();
        renderUnmatched();
        checkRequired();
        var sel = $('map-' + f.key);
        if (sel) sel.focus();
      }, function (err) {
        var parts = [];
        Object.keys(err.fields || {}).forEach(function (k) { parts.push(err.fields[k]); });
        error.textContent = parts.length ? parts.join(' ') : err.message;
        error.hidden = false;
      }).then(function () { submit.disabled = false; });
    });
    return li;
  }

  function renderOptions() {
    var box = $('duplicates');
    if (!box.childElementCount) {
      data.duplicates.forEach(function (d) {
        var id = 'dup-' + d.value;
        var input = el('input', { type: 'radio', name: 'on_duplicate', id: id, value: d.value, 'aria-describedby': id + '-help' });
        input.addEventListener('change', function () {
          state.options.on_duplicate = d.value;
          state.dry = null;
          save();
          renderRules();
          checkRequired();
        });
        box.appendChild(el('div', { class: 'radio' }, [
          el('label', { for: id }, [input, d.label]),
          el('p', { class: 'hint', id: id + '-help', text: d.help })
        ]));
      });
      fillSelect($('date-format'), data.date_formats);
      $('date-format').addEventListener('change', function () { state.options.date_format = this.value; state.dry = null; save(); });
      $('batch-size').max = String(data.max_batch);
      $('batch-size').addEventListener('change', function () { state.options.batch_size = Number(this.value); state.dry = null; save(); });
      fillSelect($('update-default'), data.update_rules);
      $('update-default').addEventListener('change', function () { state.update.default = this.value; state.dry = null; save(); });
      $('phone-country').addEventListener('change', function () { state.options.country = this.value.trim(); state.dry = null; save(); });
      $('country-column').addEventListener('change', function () { state.options.country_column = this.value; state.dry = null; save(); });
      $('check-phones').addEventListener('change', function () { state.options.check_phones = this.checked; state.dry = null; save(); });
      $('keep-record').addEventListener('change', function () { state.options.keep_record = this.checked; state.dry = null; save(); });
      api('GET', '/api/v1/settings').then(function (s) {
        $('default-country').textContent = s.default_country || 'none';
      }, function () {});
    }
    var dup = $('dup-' + state.options.on_duplicate);
    if (dup) dup.checked = true;
    $('date-format').value = state.options.date_format;
    $('batch-size').value = state.options.batch_size;
    fillSelect($('country-column'), [{ value: '', label: 'none' }].concat((state.upload.columns || []).map(function (c) { return { value: c, label: c }; })));
    $('country-column').value = state.options.country_column || '';
    $('phone-country').value = state.options.country || '';
    $('check-phones').checked = !!state.options.check_phones;
    $('keep-record').checked = !!state.options.keep_record;
    renderRules();
  }

  // renderRules shows, for an import that updates, the default rule and a
  // rule and a "blank clears" box for each mapped field.
  function renderRules() {
    var on = state.options.on_duplicate === 'update';
    $('update-rules').hidden = !on;
    if (!on) return;
    var u = state.update = state.update || noRules(); // saved by an older version
    $('update-default').value = u.default;
    var body = $('field-rules').querySelector('tbody');
    body.textContent = '';
    data.fields.forEach(function (f) {
      if (!state.mapping[f.key] || f.key === 'account_number') return;
      var sel = el('select', { id: 'rule-' + f.key, 'aria-label': 'Rule for ' + f.label });
      sel.appendChild(el('option', { value: '', text: 'As above' }));
      data.update_rules.forEach(function (r) { sel.appendChild(el('option', { value: r.value, text: r.label })); });
      sel.value = u.fields[f.key] || '';
      sel.addEventListener('change', function () {
        if (this.value) u.fields[f.key] = this.value; else delete u.fields[f.key];
        state.dry = null;
        save();
      });
      var clears = el('input', { type: 'checkbox', id: 'clears-' + f.key, 'aria-label': 'A blank cell clears ' + f.label });
      clears.checked = u.blank_clears.indexOf(f.key) >= 0;
      clears.disabled = f.required;
      clears.addEventListener('change', function () {
        u.blank_clears = u.blank_clears.filter(function (k) { return k !== f.key; });
        if (this.checked) u.blank_clears.push(f.key);
        state.dry = null;
        save();
      });
      body.appendChild(el('tr', {}, [
        el('td', { 'data-label': 'Field', text: f.label }),
        el('td', { 'data-label': 'Rule' }, [sel]),
        el('td', { 'data-label': 'Blank clears' }, [clears])
      ]));
    });
  }

  // updateRules is what the server is sent: only mapped fields' choices.
  function updateRules() {
    var u = state.update || noRules();
    var fields = {};
    Object.keys(u.fields).forEach(function (k) { if (state.mapping[k]) fields[k] = u.fields[k]; });
    return {
      default: u.default,
      fields: fields,
      blank_clears: u.blank_clears.filter(function (k) { return state.mapping[k]; })
    };
  }

  function onlyUpdating() {
    var m = state.mapping;
    return state.options.on_duplicate === 'update' && !!(m.email || m.account_number);
  }

  // checkRequired lets the user go on once First and Last Name are mapped,
  // or, for an import that only updates customers found by email or
  // account number, without them (the server then asks them only of the
  // records that would create a customer).
  function checkRequired() {
    var m = state.mapping;
    var ok = onlyUpdating() || !!(m.first_name && m.last_name);
    ['first_name', 'last_name'].forEach(renderWhy);
    $('to-summary').disabled = !ok;
    $('map-required').hidden = ok;
    return ok;
  }

  $('back-choose').addEventListener('click', function () { go('choose'); });

  // putMapping sends the mapping and options chosen on this page to the
  // server, which checks them as it will at the start.
  function putMapping() {
    var size = Number($('batch-size').value);
    if (!(size >= 1 && size <= data.max_batch) || Math.floor(size) !== size) {
      $('batch-size').focus();
      return Promise.reject(new Error('“Save in steps of” must be a whole number of records from 1 to ' + fmt(data.max_batch) + '.'));
    }
    var mapping = {};
    Object.keys(state.mapping).forEach(function (key) { mapping[state.mapping[key]] = key; });
    return api('PUT', '/api/v1/imports/' + state.upload.id + '/mapping', {
      mapping: mapping,
      on_duplicate: state.options.on_duplicate,
      date_format: state.options.date_format,
      batch_size: size,
      update_rules: updateRules(),
      country: state.options.country || '',
      country_column: state.options.country_column || '',
      check_phones: !!state.options.check_phones,
      keep_record: !!state.options.keep_record
    });
  }

  // errorText is an API error's message with its per-field messages that
  // it does not already say.
  function errorText(err) {
    var parts = [err.message];
    Object.keys(err.fields || {}).forEach(function (k) {
      if (err.fields[k] !== err.message && err.message.indexOf(err.fields[k]) < 0) parts.push(err.fields[k]);
    });
    return parts.join(' ');
  }

  $('to-summary').addEventListener('click', function () {
    if (!checkRequired()) return;
    var id = state.upload.id;
    $('to-summary').disabled = true;
    busy('dry-busy', true);
    showError('');
    putMapping().then(function () {
      return api('POST', '/api/v1/imports/' + id + '/dry-run');
    }).then(function (dry) {
      state.dry = dry;
      save();
      go('summary');
    }, function (err) {
      showError(errorText(err));
    }).then(function () {
      busy('dry-busy', false);
      checkRequired();
    });
  });

  // ---- Templates on the map step ------------------------------------------

  var templates = null; // the saved templates' names, loaded when the map step is first shown

  function loadTemplates() {
    templates = [];
    renderTemplates('');
    api('GET', '/api/v1/templates').then(function (list) {
      templates = list.map(function (t) { return t.name; });
      renderTemplates($('template').value);
    }, function (err) {
      templates = null; // tried again the next time the step is shown
      templateStatus(err.message, true);
    });
  }

  // renderTemplates fills the template select, with selected chosen.
  function renderTemplates(selected) {
    var sel = $('template');
    sel.textContent = '';
    sel.appendChild(el('option', { value: '', text: templates.length ? '— choose a template —' : 'No template saved yet' }));
    templates.forEach(function (name) { sel.appendChild(el('option', { value: name, text: name })); });
    sel.value = templates.indexOf(selected) >= 0 ? selected : '';
    sel.disabled = !templates.length;
    $('template-apply').disabled = !templates.length;
  }

  // templateStatus says how applying or saving a template went, beside the
  // controls: screen readers hear it, as the region is a status.
  function templateStatus(msg, failed) {
    var p = $('template-status');
    p.textContent = msg || '';
    p.classList.toggle('error', !!failed);
  }

  // applyImport takes over the mapping and options of the import as the
  // server answered after a template was applied: the columns the template
  // decided get its reason, the others keep theirs.
  function applyImport(imp, reasons) {
    var oldReasons = state.reasons, oldManual = state.manual;
    state.mapping = {};
    state.reasons = {};
    state.manual = {};
    Object.keys(imp.mapping || {}).forEach(function (col) {
      var key = imp.mapping[col];
      state.mapping[key] = col;
      if (reasons[col]) {
        state.reasons[key] = reasons[col];
        state.manual[key] = false;
      } else {
        state.reasons[key] = oldReasons[key] || '';
        state.manual[key] = !!oldManual[key];
      }
    });
    state.options = {
      on_duplicate: imp.on_duplicate, date_format: imp.date_format, batch_size: imp.batch_size,
      country: imp.country || '', country_column: imp.country_column || '', check_phones: !!imp.check_phones, keep_record: !!imp.keep_record
    };
    var u = imp.update_rules || {};
    state.update = { default: u.default || 'overwrite', fields: u.fields || {}, blank_clears: u.blank_clears || [] };
    state.dry = null;
    save();
    renderMap();
  }

  $('template-apply-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var name = $('template').value;
    if (!name) {
      templateStatus('Choose a template to apply.', true);
      $('template').focus();
      return;
    }
    var id = state.upload.id;
    $('template-apply').disabled = true;
    templateStatus('Applying “' + name + '”…');
    // What was chosen by hand is sent first, so that the columns the
    // template does not know keep it; a mapping that cannot be sent yet
    // (First or Last Name missing) is left for the template to complete.
    (checkRequired() ? putMapping() : Promise.resolve()).then(function () {
      return api('POST', '/api/v1/imports/' + id + '/template', { name: name });
    }).then(function (imp) {
      var reasons = imp.reasons || {};
      var n = Object.keys(reasons).filter(function (col) { return imp.mapping[col]; }).length;
      applyImport(imp, reasons);
      templateStatus('Applied the template “' + name + '”: it mapped ' + n + (n === 1 ? ' column' : ' columns') + '. Check the mapping below.');
    }, function (err) {
      templateStatus(errorText(err), true);
    }).then(function () {
      $('template-apply').disabled = !templates.length;
    });
  });

  // saveTemplate saves what this page shows as the template named in the
  // form: the mapping is sent first, so that the template is what the user
  // chose here, checked as an import's mapping is.
  function saveTemplate(replace) {
    var name = $('template-name').value.trim();
    if (!name) {
      templateStatus('Give the template a name first, such as the system the file comes from.', true);
      $('template-name').focus();
      return;
    }
    if (!checkRequired()) {
      templateStatus('Map First Name and Last Name first: a template is saved from a mapping that can be imported.', true);
      return;
    }
    $('template-save').disabled = true;
    $('template-replace').hidden = true;
    templateStatus('Saving “' + name + '”…');
    putMapping().then(function () {
      return api('POST', '/api/v1/templates', { import_id: state.upload.id, name: name, replace: replace });
    }).then(function (t) {
      templates = (templates || []).filter(function (n) { return n.toLowerCase() !== t.name.toLowerCase(); }).concat([t.name]);
      templates.sort(function (a, b) { return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0; });
      renderTemplates($('template').value);
      templateStatus((replace ? 'Replaced' : 'Saved') + ' the template “' + t.name + '”. Apply it to the next file of this kind.');
    }, function (err) {
      if (err.status !== 409) {
        templateStatus(errorText(err), true);
        return;
      }
      templateStatus('A template named “' + name + '” exists: choose another name, or replace it.', true);
      $('template-replace').hidden = false;
      $('template-replace').setAttribute('aria-label', 'Replace the template “' + name + '”');
    }).then(function () {
      $('template-save').disabled = false;
    });
  }

  $('template-save-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    saveTemplate(false);
  });
  $('template-replace').addEventListener('click', function () { saveTemplate(true); });
  $('template-name').addEventListener('input', function () { $('template-replace').hidden = true; });

  // ---- Step 3: summary -----------------------------------------------------

  function renderSummary() {
    var dry = state.dry;
    $('sum-file').textContent = state.upload.file;
    $('dry-created').textContent = fmt(dry.created);
    $('dry-updated').textContent = fmt(dry.updated);
    $('dry-skipped').textContent = fmt(dry.skipped);
    $('dry-rejected').textContent = fmt(dry.rejected);
    // Red says something is wrong; none rejected is not.
    $('dry-rejected').parentNode.classList.toggle('bad', dry.rejected > 0);

    var warnings = dry.warnings || [];
    var wl = $('dry-warnings').querySelector('ul');
    wl.textContent = '';
    warnings.forEach(function (w) { wl.appendChild(el('li', { text: w })); });
    $('dry-warnings').hidden = !warnings.length;

    var dropped = columns().filter(function (col) {
      return !Object.keys(state.mapping).some(function (k) { return state.mapping[k] === col; });
    });
    $('dry-dropped-list').textContent = dropped.join(', ');
    $('dry-dropped').hidden = !dropped.length;

    renderProblems(dry);

    var changes = dry.changes || [];
    var cb = $('dry-changes').querySelector('tbody');
    cb.textContent = '';
    changes.forEach(function (c) {
      var f = field(c.field);
      cb.appendChild(el('tr', {}, [
        el('td', { 'data-label': 'Field', text: f ? f.label : c.field }),
        el('td', { 'data-label': 'Values changed', class: 'num', text: fmt(c.count) }),
        el('td', { 'data-label': 'For example' }, (c.samples || []).map(function (x) {
          return el('div', { class: 'value', text: 'Line ' + x.line + ': “' + x.before + '” → “' + x.after + '”' });
        }))
      ]));
    });
    $('dry-changes-box').hidden = !changes.length;

    var errs = dry.errors || [];
    var eb = $('dry-errors').querySelector('tbody');
    eb.textContent = '';
    errs.forEach(function (e) {
      var f = field(e.field);
      eb.appendChild(el('tr', {}, [
        el('td', { 'data-label': 'Line' }, [String(e.line)].concat(e.row && e.row !== e.line
          ? [el('span', { class: 'row-note', title: 'the row a spreadsheet shows it on', text: ' (row ' + e.row + ')' })] : [])),
        el('td', { 'data-label': 'Field', text: e.field ? (f ? f.label : e.field) : 'the row' }),
        el('td', { 'data-label': 'Value', class: 'value', text: e.value || '' }),
        el('td', { 'data-label': 'Problem', text: e.message })
      ]));
    });
    $('dry-errors-box').hidden = !errs.length;
    $('dry-errors-h').textContent = errs.length < dry.rejected
      ? 'First problems (the report lists every one once the import has run)'
      : 'Problems';

    var mb = $('sum-mapping').querySelector('tbody');
    mb.textContent = '';
    var byColumn = {};
    Object.keys(state.mapping).forEach(function (k) { byColumn[state.mapping[k]] = k; });
    columns().forEach(function (col) {
      var key = byColumn[col];
      var f = key && field(key);
      mb.appendChild(el('tr', {}, [
        el('td', { 'data-label': 'Column', text: col }),
        el('td', { 'data-label': 'Field' }, [key ? (f ? f.label : key) : el('span', { class: 'muted', text: 'not imported' })])
      ]));
    });

    var opts = $('sum-options');
    opts.textContent = '';
    [['Records', fmt(state.upload.records)],
      ['Encoding', labelOf(data.encodings, state.upload.encoding)],
      ['Delimiter', labelOf(data.delimiters, state.upload.delimiter)],
      ['Duplicates', labelOf(data.duplicates, state.options.on_duplicate)]
    ].concat(state.options.on_duplicate === 'update' ? [['Update rule', labelOf(data.update_rules, state.update.default)]] : []).concat([
      ['Date format', state.options.date_format],
      ['Saved in steps of', fmt(state.options.batch_size) + ' records'],
      ['Phone numbers', (state.options.country || 'the default country') +
        (state.options.country_column ? ', or the row’s column ' + state.options.country_column : '') +
        (state.options.check_phones ? '; checked' : '; not checked')]
    ]).forEach(function (kv) {
      opts.appendChild(el('div', {}, [el('dt', { text: kv[0] }), el('dd', { text: kv[1] })]));
    });
    $('start').disabled = false;
  }

  // renderProblems lists the dry run's problems grouped by kind, the most
  // frequent first, each opening to its first rows and downloadable as the
  // rejects file of its rows, to fix before the import starts.
  function renderProblems(dry) {
    var groups = dry.problems || [];
    var list = $('dry-problems');
    list.textContent = '';
    var base = '/api/v1/imports/' + state.upload.id + '/dry-run/rejects.csv';
    groups.forEach(function (g, i) {
      var f = field(g.field);
      var where = g.field ? (f ? f.label : g.field) : 'the row';
      var lines = g.lines.join(', ') + (g.count > g.lines.length ? ', …' : '');
      list.appendChild(el('li', {}, [
        el('details', { id: 'problem-' + i }, [
          el('summary', {}, [
            el('span', { class: 'count', text: fmt(g.count) + ' ×' }), ' ',
            el('span', { class: 'what', text: g.message.indexOf(where) === 0 ? g.message : where + ': ' + g.message })
          ]),
          el('p', { text: (g.count === 1 ? 'Line ' : 'Lines ') + lines + '.' }),
          el('a', { class: 'button small', href: base + '?kind=' + encodeURIComponent(g.kind),
            download: 'import-' + state.upload.id + '-' + (g.field || 'rows') + '-problems.csv',
            text: 'Download ' + (g.count === 1 ? 'this row' : 'these ' + fmt(g.count) + ' rows') })
        ])
      ]));
    });
    $('dry-all-rejects').href = base;
    $('dry-all-rejects').setAttribute('download', 'import-' + state.upload.id + '-rejects.csv');
    $('dry-problems-box').hidden = !groups.length;
  }

  $('back-map').addEventListener('click', function () { go('map'); });

  $('start').addEventListener('click', function () {
    var id = state.upload.id;
    $('start').disabled = true;
    busy('start-busy', true);
    api('POST', '/api/v1/imports/' + id + '/start').then(function () {
      forget();
      location.assign('/imports/' + id); // its page says the import runs on the server
    }, function (err) {
      showError(err.message);
      $('start').disabled = false;
      busy('start-busy', false);
    });
  });

  // ---- Start ---------------------------------------------------------------

  // A fresh visit starts a new wizard; a reload or Back within it (the hash
  // names a step) carries on with what was chosen.
  if (location.hash) state = restore();
  else forget();
  show(current(), false);
})();
