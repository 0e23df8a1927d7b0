// Clip playlists. Two parts, each only where its elements exist:
// 1. The clip editor's preview: play the recording from the clip's start to its end, and take the
//    start or end from the player's position. Without this script the player still starts and stops
//    at the passage's times (a media fragment, #t=start,end) and the times are typed.
// 2. The playlist player: previous/next without reloading, the next clip starting when one ends,
//    and the state of clips being cut. Without it, previous/next are ordinary links.
// No inline script or style anywhere, so a strict CSP can be added.
(function () {
  'use strict';

  // "1:05.5", "65.5" or "1:02:03" → seconds; null when not a time (the same rule as TimeText.Parse).
  function parseTime(text) {
    if (!text || !text.trim()) return null;
    var parts = text.trim().split(':');
    if (parts.length > 3) return null;
    var total = 0;
    for (var i = 0; i < parts.length; i++) {
      if (!/^\d+(\.\d+)?$/.test(parts[i])) return null;
      total = total * 60 + parseFloat(parts[i]);
    }
    return total;
  }

  // Tenths, as the page shows them; the server puts a time this close back on the transcript's line boundary.
  function formatTime(seconds) {
    var tenths = Math.round(Math.max(0, seconds) * 10);
    var minutes = Math.floor(tenths / 600);
    var rest = (tenths % 600) / 10;
    var text = rest % 1 === 0 ? String(rest) : rest.toFixed(1);
    if (rest < 10) text = '0' + text;
    return minutes + ':' + text;
  }

  // --- 1. Preview in the clip editor ------------------------------------------------------------
  var preview = document.getElementById('clip-preview');
  if (preview) {
    var buttons = document.getElementById('preview-buttons');
    var startInput = document.getElementById('clip-start');
    var endInput = document.getElementById('clip-end');
    var status = document.getElementById('preview-status');
    var stopAt = null;
    if (buttons && startInput && endInput) {
      buttons.hidden = false;
      document.getElementById('preview-play').addEventListener('click', function () {
        var start = parseTime(startInput.value);
        var end = parseTime(endInput.value);
        if (start === null || end === null || end <= start) {
          status.textContent = 'Write a start and an end after it, like 1:05.5 and 1:12, then play again.';
          return;
        }
        stopAt = end;
        preview.currentTime = start;
        status.textContent = 'Playing from ' + formatTime(start) + ' to ' + formatTime(end) + '.';
        preview.play();
      });
      preview.addEventListener('timeupdate', function () {
        if (stopAt !== null && preview.currentTime >= stopAt) {
          preview.pause();
          stopAt = null;
          status.textContent = 'Reached the end of the clip.';
        }
      });
      document.getElementById('preview-set-start').addEventListener('click', function () {
        startInput.value = formatTime(preview.currentTime);
        status.textContent = 'The start is now ' + startInput.value + '.';
      });
      document.getElementById('preview-set-end').addEventListener('click', function () {
        endInput.value = formatTime(preview.currentTime);
        status.textContent = 'The end is now ' + endInput.value + '.';
      });
    }
  }

  // --- 1b. The caption lines the clip will hold, kept up to date as the times change ----------------
  var captionSection = document.getElementById('caption-preview');
  if (captionSection) {
    var cStart = document.getElementById('clip-start');
    var cEnd = document.getElementById('clip-end');
    var cList = document.getElementById('caption-preview-lines');
    var cStatus = document.getElementById('caption-preview-status');
    var cTimer = null;
    var refresh = function () {
      var start = parseTime(cStart.value);
      var end = parseTime(cEnd.value);
      if (start === null || end === null || end <= start) {
        cStatus.textContent = 'Write a start and an end after it to see the captions.';
        return;
      }
      var url = captionSection.getAttribute('data-url') + '?start=' + start + '&end=' + end;
      fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (p) {
          cList.textContent = '';
          if (!p.allowed) {
            cStatus.textContent = p.message;
            return;
          }
          p.lines.forEach(function (line) {
            var li = document.createElement('li');
            var time = document.createElement('span');
            time.className = 'cue-time';
            time.textContent = formatTime(p.start + line.start);
            li.appendChild(time);
            li.appendChild(document.createTextNode(' ' + (line.voice ? line.voice + ': ' : '') + line.text));
            cList.appendChild(li);
          });
          cStatus.textContent = 'From ' + formatTime(p.start) + ' to ' + formatTime(p.end) + ': ' + p.lines.length + (p.lines.length === 1 ? ' line.' : ' lines.');
        })
        .catch(function () { cStatus.textContent = 'The captions could not be checked just now; they are checked again when you save.'; });
    };
    var later = function () { clearTimeout(cTimer); cTimer = setTimeout(refresh, 400); };
    cStart.addEventListener('input', later);
    cEnd.addEventListener('input', later);
    ['preview-set-start', 'preview-set-end'].forEach(function (id) {
      var b = document.getElementById(id);
      if (b) b.addEventListener('click', later);
    });
  }

  // --- 2. The playlist player --------------------------------------------------------------------
  var section = document.getElementById('player');
  var player = document.getElementById('playlist-player');
  if (player) {
    var items = Array.prototype.slice.call(document.querySelectorAll('.clip[data-playable="true"]'));
    var prevLink = document.getElementById('previous-clip');
    var nextLink = document.getElementById('next-clip');
    var nowNumber = document.querySelector('[data-now-number]');
    var nowTitle = document.querySelector('[data-now-title]');
    var nowCredit = document.querySelector('[data-now-credit]');
    var current = items.findIndex(function (li) { return player.getAttribute('src') === li.getAttribute('data-src'); });

    function show(index, autoplay) {
      if (index < 0 || index >= items.length) return;
      current = index;
      var li = items[index];
      player.textContent = '';
      player.src = li.getAttribute('data-src');
      var track = document.createElement('track');
      track.kind = 'captions';
      track.src = li.getAttribute('data-captions');
      track.srclang = 'en';
      track.label = 'Captions';
      track.default = true;
      player.appendChild(track);
      nowNumber.textContent = String(index + 1);
      nowTitle.textContent = li.getAttribute('data-title');
      nowCredit.textContent = '(' + li.getAttribute('data-credit') + ')';
      if (prevLink) prevLink.hidden = index === 0;
      if (nextLink) nextLink.hidden = index === items.length - 1;
      if (prevLink && index > 0) prevLink.href = items[index - 1].getAttribute('data-link');
      if (nextLink && index < items.length - 1) nextLink.href = items[index + 1].getAttribute('data-link');
      history.replaceState(null, '', li.getAttribute('data-link'));
      if (autoplay) player.play();
    }

    if (prevLink) prevLink.addEventListener('click', function (e) { e.preventDefault(); show(current - 1, true); });
    if (nextLink) nextLink.addEventListener('click', function (e) { e.preventDefault(); show(current + 1, true); });
    player.addEventListener('ended', function () { if (current < items.length - 1) show(current + 1, true); });
  }

  // Clips being cut: follow their progress, and reload once one is done so it can be played.
  if (section && section.getAttribute('data-pending') === 'true') {
    var timer = setInterval(function () {
      fetch(section.getAttribute('data-playlist-url'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (playlist) {
          if (!playlist) return;
          var pending = false;
          var changed = false;
          playlist.clips.forEach(function (c) {
            var li = document.getElementById('clip-' + c.id);
            if (!li) return;
            var busy = c.allowed && (c.status === 'Queued' || c.status === 'Running');
            pending = pending || busy;
            var progress = li.querySelector('[data-progress]');
            if (busy && progress) progress.value = Math.round(c.progress * 100);
            var state = li.querySelector('[data-state] strong');
            if (state && state.textContent !== c.state && !busy) changed = true;
            else if (state) state.textContent = c.state;
          });
          if (changed || !pending) {
            clearInterval(timer);
            window.location.reload();
          }
        });
    }, 1500);
  }
})();
