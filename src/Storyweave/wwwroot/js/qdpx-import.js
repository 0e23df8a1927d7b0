// The project-file import page while an import runs in the background: ask the server how far it has got once a
// second and update the progress bar and the status line (a polite live region); when it ends, load the page again
// so the result (or what went wrong) is shown. Without script, the "Check progress" link reloads the page.
(function () {
  'use strict';
  // A finished import (shown only then): move focus to the result, so a phone scrolls to it and a screen reader
  // reads it (a failed one's error summary is focused by errors.js).
  var result = document.getElementById('import-result');
  if (result) result.focus();
  var box = document.getElementById('import-status');
  if (!box || !box.dataset.poll) return;
  document.querySelectorAll('.no-js-only').forEach(function (e) { e.hidden = true; });
  var bar = document.getElementById('import-progress');
  var message = document.getElementById('import-message');
  function poll() {
    fetch(box.dataset.poll, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { setTimeout(poll, 2000); return; }
        bar.value = job.progress;
        bar.textContent = Math.floor(job.progress * 100) + '%';
        var text = job.stage + ' (' + Math.floor(job.progress * 100) + '%)';
        if (message.textContent !== text) message.textContent = text;
        if (job.status === 'Succeeded' || job.status === 'Failed') {
          // Only the fragment would change (#import-status to #import-result), and a change of fragment alone does not
          // load the page: set it without navigating, then reload.
          window.history.replaceState(null, '', window.location.pathname + window.location.search + (job.status === 'Succeeded' ? '#import-result' : ''));
          window.location.reload();
        } else setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 1000);
})();
