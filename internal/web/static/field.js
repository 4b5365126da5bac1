// The new-field form: shows the inputs that apply to the chosen type (and
// disables the others, so that they are not sent), offers a picklist's
// values as its default while they are typed, and proposes a name from the
// label until the name is typed by hand.
(function () {
  'use strict';
  var type = document.getElementById('type');
  var label = document.getElementById('label');
  var name = document.getElementById('name');
  var values = document.getElementById('values');
  var pick = document.getElementById('default-pick');
  if (!type) return;

  function sync() {
    document.querySelectorAll('[data-types]').forEach(function (el) {
      var off = el.getAttribute('data-types').split(' ').indexOf(type.value) < 0;
      el.hidden = off;
      el.querySelectorAll('input, select, textarea').forEach(function (c) { c.disabled = off; });
    });
  }
  type.addEventListener('change', sync);
  sync();

  // The default of a picklist is one of its values: the choices follow the
  // list as it is typed, keeping the one chosen while it is still there.
  function syncValues() {
    if (!values || !pick) return;
    var chosen = pick.value;
    var seen = {};
    var list = [];
    values.value.split('\n').forEach(function (line) {
      var v = line.trim();
      if (v && !seen[v.toLowerCase()]) {
        seen[v.toLowerCase()] = true;
        list.push(v);
      }
    });
    while (pick.options.length > 1) pick.remove(1);
    list.forEach(function (v) { pick.add(new Option(v, v)); });
    pick.value = list.indexOf(chosen) >= 0 ? chosen : '';
  }
  if (values) values.addEventListener('input', syncValues);

  var edited = name.value !== '';
  name.addEventListener('input', function () { edited = true; });
  label.addEventListener('input', function () {
    if (edited) return;
    var n = label.value.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
      .replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
    if (n && !/^[a-z]/.test(n)) n = 'f_' + n;
    name.value = n.slice(0, 32);
  });
})();
