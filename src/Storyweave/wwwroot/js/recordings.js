// Recordings page: upload with a real progress bar, then follow the browser version being made.
// Without this script the form still works (it posts to the upload page) and the page shows the
// state at load time. No inline script or style anywhere, so a strict CSP can be added.
(function () {
  'use strict';

  var POLL_MS = 2000;
  var form = document.getElementById('upload-form');
  var list = document.getElementById('recording-list');
  var live = document.getElementById('recordings-live');

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The same error summary as Features/Shared/_Errors.cshtml, focused so screen readers hear it.
  function showErrors(messages) {
    var area = document.getElementById('error-area');
    if (!area) return;
    area.textContent = '';
    var box = el('div', { 'class': 'error-summary', role: 'alert', 'aria-labelledby': 'error-summary-title', tabindex: '-1' });
    box.appendChild(el('h2', { id: 'error-summary-title' }, 'There is a problem'));
    var ul = el('ul');
    messages.forEach(function (m) { ul.appendChild(el('li', {}, m)); });
    box.appendChild(ul);
    area.appendChild(box);
    box.focus();
  }

  function clearErrors() {
    var area = document.getElementById('error-area');
    if (area) area.textContent = '';
  }

  function messagesFrom(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.errors && body.errors.length) return body.errors.map(function (e) { return e.message; });
    } catch (ignored) { /* not JSON: fall through to a general message */ }
    if (xhr.status === 401) return ['You have been signed out. Sign in again, then upload the recording again.'];
    if (xhr.status === 403) return ['You cannot upload recordings to this story.'];
    if (xhr.status === 413) return ['This file is too large to upload.'];
    return ['The upload did not work (error ' + xhr.status + '). Please try again.'];
  }

  function announce(text) {
    if (live) live.textContent = text;
  }

  // Replaces (or adds) one recording's card with the server's own markup for it, so the page and
  // the script never disagree about how a recording looks. Other cards (and their players) are left alone.
  function refreshCard(id) {
    return fetch(window.location.pathname, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.querySelector('.recording[data-media-id="' + id + '"]');
        if (!fresh || !list) return;
        var node = document.importNode(fresh, true);
        var old = list.querySelector('.recording[data-media-id="' + id + '"]');
        if (old) list.replaceChild(node, old); else list.appendChild(node);
        var empty = document.getElementById('no-recordings');
        if (empty) empty.hidden = true;
        schedulePoll();
      });
  }

  function preparing(card) {
    var s = card.getAttribute('data-status');
    return s === 'Queued' || s === 'Running';
  }

  var pollTimer = null;
  function schedulePoll() {
    if (pollTimer || !list) return;
    if (!Array.prototype.some.call(list.querySelectorAll('.recording'), preparing)) return;
    pollTimer = window.setTimeout(function () { pollTimer = null; poll(); }, POLL_MS);
  }

  function poll() {
    var cards = Array.prototype.filter.call(list.querySelectorAll('.recording'), preparing);
    Promise.all(cards.map(function (card) {
      return fetch(card.getAttribute('data-media-url'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (m) {
          if (!m) return null;
          var status = card.querySelector('.recording-status');
          if (status) status.textContent = m.statusText;
          var bar = card.querySelector('.recording-progress');
          var pct = Math.floor(m.renditionProgress * 100);
          if (bar) { bar.value = pct; bar.textContent = pct + '%'; }
          card.setAttribute('data-status', m.renditionStatus);
          if (m.renditionStatus === 'Ready') announce('“' + m.fileName + '” is ready to play.');
          if (m.renditionStatus === 'Failed') announce('“' + m.fileName + '”: ' + m.statusText);
          return m.renditionStatus === 'Queued' || m.renditionStatus === 'Running' ? null : refreshCard(m.id);
        })
        .catch(function () { return null; }); // a missed poll is tried again in two seconds
    })).then(schedulePoll);
  }

  function upload(event) {
    var input = form.querySelector('input[type="file"]');
    var tokenField = form.querySelector('input[name="__RequestVerificationToken"]');
    if (!window.FormData || !tokenField) return; // let the browser post the form itself
    event.preventDefault();
    if (!input.files || input.files.length === 0) {
      showErrors(['Choose a recording file to upload.']);
      return;
    }
    clearErrors();
    var file = input.files[0];
    var button = form.querySelector('button[type="submit"]');
    var area = document.getElementById('upload-progress-area');
    var bar = document.getElementById('upload-progress');
    var status = document.getElementById('upload-status');
    var lastShown = -1;
    function show(pct, text) {
      bar.value = pct;
      bar.textContent = pct + '%';
      status.textContent = text;
    }

    var data = new FormData();
    data.append('file', file);
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.getAttribute('data-api-url'));
    xhr.setRequestHeader('RequestVerificationToken', tokenField.value);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', function (e) {
      if (!e.lengthComputable) return;
      var pct = Math.min(100, Math.floor(e.loaded / e.total * 100));
      // The text (read out by screen readers) moves in steps of 10 so it is not a stream of numbers.
      if (pct >= lastShown + 10 || pct === 100) {
        lastShown = pct;
        show(pct, 'Uploading “' + file.name + '”: ' + pct + '%');
      } else {
        bar.value = pct;
      }
    });
    xhr.upload.addEventListener('load', function () {
      show(100, 'Uploaded 100%. Checking the recording…');
    });
    xhr.addEventListener('load', function () {
      button.disabled = false;
      if (xhr.status === 201) {
        var media = JSON.parse(xhr.responseText);
        show(100, 'Upload complete (100%): “' + media.fileName + '” has been added.');
        form.reset();
        if (list) refreshCard(media.id);
        else window.location.href = form.getAttribute('data-recordings-url');
      } else {
        area.hidden = true;
        status.textContent = 'The upload did not work.';
        showErrors(messagesFrom(xhr));
      }
    });
    xhr.addEventListener('error', function () {
      button.disabled = false;
      area.hidden = true;
      status.textContent = 'The upload did not work.';
      showErrors(['The upload was interrupted. Check your internet connection and try again.']);
    });
    button.disabled = true;
    area.hidden = false;
    show(0, 'Uploading “' + file.name + '”: 0%');
    xhr.send(data);
  }

  if (form && window.XMLHttpRequest) form.addEventListener('submit', upload);
  schedulePoll();
}());
