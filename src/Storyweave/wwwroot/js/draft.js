// The automatic draft page: while a draft is being made, ask the server how far it has got once a second and
// update the progress bar and the status line (a polite live region); when it ends, load the page again so the
// next step (open the editor, or replace / discard a kept-aside draft) is shown. Without script, a link reloads.
(function () {
  'use strict';
  var box = document.getElementById('draft-status');
  if (!box || !box.dataset.poll) return;
  document.querySelectorAll('.no-js-only').forEach(function (e) { e.hidden = true; });
  var bar = document.getElementById('draft-progress');
  var message = document.getElementById('draft-message');
  function poll() {
    fetch(box.dataset.poll, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { setTimeout(poll, 2000); return; }
        bar.value = job.progress;
        bar.textContent = Math.floor(job.progress * 100) + '%';
        if (message.textContent !== job.message) message.textContent = job.message;
        if (job.finished) window.location.reload();
        else setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 1000);
})();
