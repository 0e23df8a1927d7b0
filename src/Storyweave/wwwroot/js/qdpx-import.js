// The project-file import page while an import runs in the background: ask the server how far it has got once a
// second and update the progress bar and the status line (a polite live region); when it ends, load the page again
// so the result (or what went wrong) is shown. Without script, the "Check progress" link reloads the page.
(function () {
  'use strict';
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
        if (job.status === 'Succeeded' || job.status === 'Failed') window.location.replace(window.location.pathname + window.location.search + (job.status === 'Succeeded' ? '#import-result' : ''));
        else setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 1000);
})();
