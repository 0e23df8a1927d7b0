// Report page: while files are being made, ask the API every two seconds and update their progress;
// when none is left running, reload so the download links appear. Without script the page still
// works (a "Refresh" link is shown).
(function () {
  'use strict';
  var table = document.getElementById('report-files');
  if (!table || table.dataset.busy !== 'true') return;
  var status = document.getElementById('files-status');
  function tick() {
    fetch(table.dataset.filesUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (files) {
        var running = files.filter(function (f) { return f.status === 'Queued' || f.status === 'Running'; });
        files.forEach(function (f) {
          var row = document.getElementById('file-' + f.id);
          var bar = row && row.querySelector('progress');
          if (bar) {
            bar.value = f.progress;
            bar.textContent = Math.round(f.progress * 100) + '%';
            var text = bar.nextElementSibling;
            if (text) text.textContent = f.progressText;
          }
        });
        if (running.length === 0) {
          if (status) status.textContent = 'All files are ready. Reloading the list.';
          window.location.reload();
          return;
        }
        setTimeout(tick, 2000);
      })
      .catch(function () {
        if (status) status.textContent = 'Could not check progress. Refresh the page to see it.';
      });
  }
  setTimeout(tick, 2000);
})();
