// Review sheet: key quotes are added and removed in place. The "Add key quote" and "Remove" buttons
// post only that change (the chosen line and words, or the quote to remove) with the
// X-Storyweave-Fragment header, and the answer (the list of key quotes) replaces the list: no reload,
// nothing else typed on the sheet is touched, focus stays in the picker, and a polite live region says
// what happened. Without script the same buttons post the whole sheet, which is saved with the change.
(function () {
  'use strict';
  var form = document.querySelector('form.review-sheet');
  var announcer = document.getElementById('key-quote-announcer');
  if (!form || !announcer) return;
  var token = form.querySelector('input[name="__RequestVerificationToken"]');
  var line = document.getElementById('new-quote-line');
  var part = document.getElementById('new-quote-part');

  function announce(text) {
    announcer.textContent = '';
    setTimeout(function () { announcer.textContent = text; }, 50);
  }

  form.addEventListener('submit', function (e) {
    var button = e.submitter;
    if (!button || !button.dataset.quoteAction || form.dataset.plain === 'true') return;
    e.preventDefault();
    var action = button.dataset.quoteAction;
    var body = new FormData();
    body.append('__RequestVerificationToken', token.value);
    var index = 0;
    if (action === 'add') {
      body.append('NewQuoteCueId', line.value);
      body.append('NewQuotePart', part.value);
    } else {
      var removes = Array.prototype.slice.call(document.querySelectorAll('#key-quote-list [data-quote-action="remove"]'));
      index = removes.indexOf(button);
      body.append('RemoveQuoteId', button.value);
    }
    button.disabled = true;
    fetch(button.formAction, { method: 'POST', body: body, headers: { 'X-Storyweave-Fragment': '1' }, credentials: 'same-origin' })
      .then(function (r) { return r.text().then(function (text) { return { ok: r.ok, text: text }; }); })
      .then(function (answer) {
        var fresh = new DOMParser().parseFromString(answer.text, 'text/html').getElementById('key-quote-list');
        if (!fresh) {
          // Not our answer (signed out, or the story is gone): post the whole sheet as without script.
          button.disabled = false;
          form.dataset.plain = 'true';
          form.requestSubmit(button);
          return;
        }
        var list = document.getElementById('key-quote-list');
        list.replaceWith(document.importNode(fresh, true));
        list = document.getElementById('key-quote-list');
        button.disabled = false;
        var errors = list.querySelector('.error-summary');
        if (errors) {
          errors.focus();
        } else if (action === 'add') {
          // Ready for the next quote: the line list keeps focus, the words box is emptied.
          line.value = '';
          part.value = '';
          line.focus();
        } else {
          var left = list.querySelectorAll('[data-quote-action="remove"]');
          (left.length ? left[Math.min(index, left.length - 1)] : line).focus();
        }
        announce(list.dataset.announce || '');
      })
      .catch(function () {
        button.disabled = false;
        announce('Not changed: the connection to Storyweave was lost. Check your connection, then press the button again.');
      });
  });
})();
