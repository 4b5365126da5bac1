// A running revert, on its import's page: the page asks the server how the
// revert stands every second and reloads once it has ended, so that the
// server renders what it did. Closing the page never stops the revert.
(function () {
  'use strict';

  var section = document.getElementById('revert-result');
  var id = section.getAttribute('data-import');

  function check() {
    fetch('/api/v1/imports/' + id, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (imp) {
        if (imp && imp.revert && imp.revert.status !== 'running') {
          window.location.reload();
          return;
        }
        if (imp && imp.revert) {
          document.getElementById('reverted-deleted').textContent = Number(imp.revert.deleted).toLocaleString('en-US');
          document.getElementById('reverted-restored').textContent = Number(imp.revert.restored).toLocaleString('en-US');
          var kept = document.getElementById('reverted-kept');
          kept.textContent = Number(imp.revert.kept).toLocaleString('en-US');
          kept.parentNode.classList.toggle('bad', imp.revert.kept > 0);
        }
        setTimeout(check, 1000);
      })
      .catch(function () { setTimeout(check, 3000); });
  }
  setTimeout(check, 1000);
})();
