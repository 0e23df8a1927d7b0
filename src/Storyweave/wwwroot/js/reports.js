// Report page.
// 1. While files are being made, ask the API every two seconds and update their progress; when none is
//    left running, reload so the download links appear. Without script a "Refresh" link is shown.
// 2. Quotes are added, moved and removed in place: the page's own forms are posted with fetch and the
//    X-Storyweave-Fragment header; the answer holds the changed theme and the files section, which replace
//    theirs. The picker stays open, focus goes to the next sensible button, and a polite live region says
//    what happened. Without script the same forms post and the page reloads with the picker open again.
(function () {
  'use strict';

  // --- 1. File progress --------------------------------------------------------------------------
  var table = document.getElementById('report-files');
  if (table && table.dataset.busy === 'true') {
    var filesUrl = table.dataset.filesUrl;
    var tick = function () {
      var status = document.getElementById('files-status');
      fetch(filesUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
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
    };
    setTimeout(tick, 2000);
  }

  // --- 2. Quotes in place ------------------------------------------------------------------------
  var announcer = document.getElementById('quote-announcer');
  if (!announcer) return;

  function announce(text) {
    // Emptied first, so the same sentence twice in a row is still read out.
    announcer.textContent = '';
    setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function indexIn(list, item) { return Array.prototype.indexOf.call(list, item); }

  // Where focus should land once the theme's section is replaced.
  function focusAfter(section, action, where) {
    var target = null;
    if (action === 'add') {
      var adds = section.querySelectorAll('.candidates button[data-action="add"]');
      target = adds.length ? adds[Math.min(where.index, adds.length - 1)] : section.querySelector('.quote-picker summary');
    } else if (action === 'remove') {
      var removes = section.querySelectorAll('.chosen-quotes button[data-action="remove"]');
      target = removes.length ? removes[Math.min(where.index, removes.length - 1)] : heading(section);
    } else if (action === 'add-related') {
      // The quote just used is the last one chosen for this theme.
      var items = section.querySelectorAll('.chosen-quotes > li');
      target = items.length ? items[items.length - 1] : null;
    } else {
      var item = section.querySelector('li[data-quote="' + where.quote + '"]');
      if (item) {
        target = item.querySelector('button[data-action="' + action + '"]') ||
          item.querySelector('button[data-action="' + (action === 'up' ? 'down' : 'up') + '"]') ||
          item.querySelector('button[data-action="remove"]');
      }
    }
    if (section.querySelector('.error-summary')) target = section.querySelector('.error-summary');
    (target || heading(section)).focus();
  }

  // A main theme's heading is an h3, a sub-theme's an h4.
  function heading(section) { return section.querySelector('h3, h4'); }

  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('quote-action')) return;
    var section = form.closest('.theme-quotes');
    if (!section) return;
    e.preventDefault();
    var button = e.submitter || form.querySelector('button');
    var action = button.dataset.action;
    var where = { index: 0, quote: null };
    if (action === 'add') {
      where.index = indexIn(section.querySelectorAll('.candidates button[data-action="add"]'), button);
    } else if (action === 'remove') {
      where.index = indexIn(section.querySelectorAll('.chosen-quotes button[data-action="remove"]'), button);
    } else if (action === 'add-related') {
      where.index = 0;
    } else {
      where.quote = form.querySelector('[name="quoteId"]').value;
    }
    button.setAttribute('aria-disabled', 'true');
    button.disabled = true;
    fetch(form.action, { method: 'POST', body: new FormData(form), headers: { 'X-Storyweave-Fragment': '1' }, credentials: 'same-origin' })
      .then(function (r) { return r.text().then(function (text) { return { status: r.status, text: text }; }); })
      .then(function (answer) {
        var doc = new DOMParser().parseFromString(answer.text, 'text/html');
        var update = doc.getElementById('quote-update');
        if (!update) {
          // Not our answer (signed out, or the report is gone): let the browser post the form and show what the server says.
          form.submit();
          return;
        }
        update.querySelectorAll('[data-fragment][id]').forEach(function (part) {
          var old = document.getElementById(part.id);
          if (old) old.replaceWith(document.importNode(part, true));
        });
        var fresh = document.getElementById(section.id);
        if (fresh) focusAfter(fresh, action, where);
        announce(update.dataset.announce || '');
      })
      .catch(function () {
        button.disabled = false;
        button.removeAttribute('aria-disabled');
        announce('Not changed: the connection to Storyweave was lost. Check your connection, then press the button again.');
      });
  });
})();
