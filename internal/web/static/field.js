// The new-field form: shows the inputs that apply to the chosen type, and
// proposes a name from the label until the name is typed by hand.
(function () {
  'use strict';
  var type = document.getElementById('type');
  var label = document.getElementById('label');
  var name = document.getElementById('name');
  if (!type) return;

  function sync() {
    document.querySelectorAll('[data-types]').forEach(function (el) {
      el.hidden = el.getAttribute('data-types').split(' ').indexOf(type.value) < 0;
    });
  }
  type.addEventListener('change', sync);
  sync();

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
