// Loaded by every layout. When a form comes back with problems, move focus to the error summary: a phone
// scrolls to it (it may be far down a long page) and a screen reader reads it at once. A link in the summary
// moves focus to its field, not only the view.
(function () {
  'use strict';
  var summary = document.querySelector('.error-summary');
  if (!summary) return;
  summary.focus();
  summary.addEventListener('click', function (e) {
    var link = e.target.closest('a[href^="#"]');
    if (!link) return;
    var field = document.getElementById(link.getAttribute('href').slice(1));
    if (!field) return;
    e.preventDefault();
    field.scrollIntoView({ block: 'center' });
    field.focus();
  });
})();
