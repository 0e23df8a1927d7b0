// Progressive enhancement for the codebook pages: everything works without it.
// After a form posts back with errors, move focus to the error summary so screen-reader
// and keyboard users hear what to fix at once.
(function () {
  'use strict';
  var summary = document.querySelector('.error-summary');
  if (summary) summary.focus();
})();
