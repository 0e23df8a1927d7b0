// Workshop board: draws the board from GET …/board, sends every change to the JSON API, and
// listens on the SignalR hub. A broadcast carries only the board's sequence, so on any news (or a
// reconnect) the board is simply read again: simple, lossless, and each person sees it with their
// own rights (consent, secret votes). Moving works with each card's "Actions" menu (keyboard,
// screen readers, phones) and with drag and drop. No inline script or style anywhere.
(function () {
  'use strict';

  var root = document.getElementById('workshop-board');
  if (!root) return;
  var projectId = root.getAttribute('data-project-id');
  var workshopId = root.getAttribute('data-workshop-id');
  var base = '/api/projects/' + projectId + '/workshops/' + workshopId;
  var tokenInput = root.querySelector('input[name="__RequestVerificationToken"]');
  var columns = document.getElementById('workshop-columns');
  var live = document.getElementById('workshop-live');
  var errorBox = document.getElementById('workshop-error');
  var board = null;
  var readOnly = false; // a converted board, or a paused one for someone who is not a facilitator
  var loading = null;

  // "In the room" mode: the room group this facilitator acts for, kept for this browser tab only.
  var actingKey = 'storyweave.workshop.' + workshopId + '.acting-for';
  function actingFor() { try { return window.sessionStorage.getItem(actingKey) || ''; } catch (e) { return ''; } }
  function setActingFor(id) { try { if (id) window.sessionStorage.setItem(actingKey, id); else window.sessionStorage.removeItem(actingKey); } catch (e) { } }
  function headers(json) {
    var h = { 'RequestVerificationToken': tokenInput ? tokenInput.value : '' };
    if (json) h['Content-Type'] = 'application/json';
    if (actingFor()) h['X-Acting-For'] = actingFor();
    return h;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function announce(text) {
    if (!text) return;
    live.textContent = '';
    // A fresh text node each time, so the same words twice are still read out.
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function clearError() {
    errorBox.hidden = true;
    errorBox.textContent = '';
  }

  function api(method, path, body) {
    clearError();
    return fetch(base + path, {
      method: method,
      credentials: 'same-origin',
      headers: headers(true),
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) return data;
        var message = data && data.errors && data.errors.length ? data.errors[0].message : 'That did not work. Please try again.';
        showError(message);
        if (data && data.board) draw(data.board); else load();
        var error = new Error(message);
        error.handled = true;
        throw error;
      });
    });
  }

  function load() {
    if (loading) return loading;
    var sentAt = Date.now();
    loading = fetch(base + '/board', { credentials: 'same-origin', headers: headers(false) })
      .then(function (r) {
        if (r.status === 403 && actingFor()) {
          // The room group is gone (or this person no longer facilitates): act as yourself again.
          setActingFor('');
          loading = null;
          return fetch(base + '/board', { credentials: 'same-origin', headers: headers(false) }).then(function (again) {
            if (!again.ok) throw new Error('The board could not be loaded.');
            return again.json();
          });
        }
        if (!r.ok) throw new Error('The board could not be loaded.');
        return r.json();
      })
      .then(function (data) {
        // The server's clock is the truth for the timer: remember how far ours is off
        // (taking the middle of the request as the moment the server answered).
        clockOffset = Date.parse(data.serverNow) - (sentAt + Date.now()) / 2;
        draw(data);
      })
      .catch(function () { showError('The board could not be loaded. Check your connection; it will try again.'); })
      .finally(function () { loading = null; });
    return loading;
  }

  // ---- Drawing. The whole board is drawn again on every change (simple and always right), so what
  // the person was doing is carried over: focus, an open "Actions" menu, text typed in a menu's form,
  // and how far the board and each column were scrolled.
  var openMenu = null; // data-menu key of the open menu, if any

  function focusKey() {
    var a = document.activeElement;
    return a && a.getAttribute ? a.getAttribute('data-focus') : null;
  }

  function clusterName(id) {
    if (id === null || id === undefined) return 'Unsorted';
    var c = board.clusters.filter(function (x) { return x.id === id; })[0];
    return c ? c.name : 'Unsorted';
  }

  function voteText(n) { return n === 1 ? '1 vote' : n + ' votes'; }
  function cardCount(n) { return n === 1 ? '1 card' : n + ' cards'; }

  function draw(data) {
    var keep = focusKey();
    var active = document.activeElement;
    var typed = active && active.tagName === 'INPUT' && columns.contains(active) ? { value: active.value, start: active.selectionStart, end: active.selectionEnd } : null;
    var scrollLeft = columns.scrollLeft;
    var scrollTops = {};
    Array.prototype.forEach.call(columns.querySelectorAll('.workshop-column'), function (c) {
      var list = c.querySelector('.workshop-cards');
      if (list) scrollTops[c.getAttribute('data-cluster-id')] = list.scrollTop;
    });

    board = data;
    root.setAttribute('data-sequence', String(data.sequence));
    document.getElementById('workshop-votes-used').textContent =
      data.votesUsed + ' of ' + data.votesPerParticipant + ' votes used' + (data.votesRevealed ? '. Everyone\u2019s votes are shown.' : '. Votes are secret until the facilitator shows them.');
    var lock = document.getElementById('workshop-lock-state');
    lock.hidden = !data.isLocked && !data.isConverted;
    lock.textContent = data.isConverted ? 'This board has been turned into themes. It can no longer change.'
      : data.isLocked ? 'The facilitator has paused changes to the board.' : '';
    // Nothing on the page offers a change the server would refuse: a converted board is final, and a paused
    // one can be changed only by a facilitator.
    readOnly = data.isConverted || (data.isLocked && !data.canFacilitate);
    document.getElementById('workshop-new-cluster').hidden = readOnly;
    document.getElementById('workshop-new-note').hidden = readOnly;
    document.getElementById('board-hint').textContent = readOnly
      ? (data.isConverted ? 'Each column is a card group; scroll sideways to see them all. The board is kept as it was turned into themes.'
        : 'Each column is a card group; scroll sideways to see them all. Cards cannot be moved, noted or voted on while changes are paused.')
      : 'Each column is a card group; scroll sideways to see them all. Each card and card group has one \u201cActions\u201d button.';
    var fac = document.getElementById('workshop-facilitator');
    fac.hidden = !data.canFacilitate || data.isConverted;
    document.getElementById('workshop-lock').textContent = data.isLocked ? 'Let people change the board again' : 'Pause changes';
    document.getElementById('workshop-reveal').textContent = data.votesRevealed ? 'Hide votes again' : 'Show everyone\u2019s votes';

    drawTimer(data);
    drawPlayer(data);
    drawRoom(data);

    columns.textContent = '';
    columns.appendChild(column(null, 'Unsorted', data.cards.filter(function (c) { return c.clusterId === null; })));
    data.clusters.forEach(function (cl) {
      columns.appendChild(column(cl, cl.name, data.cards.filter(function (c) { return c.clusterId === cl.id; })));
    });

    columns.scrollLeft = scrollLeft;
    Array.prototype.forEach.call(columns.querySelectorAll('.workshop-column'), function (c) {
      var top = scrollTops[c.getAttribute('data-cluster-id')];
      var list = c.querySelector('.workshop-cards');
      if (top && list) list.scrollTop = top;
    });
    if (keep) {
      var again = columns.querySelector('[data-focus="' + keep + '"]') || document.querySelector('[data-focus="' + keep + '"]');
      // An item of a menu that closed meanwhile: its "Actions" button instead.
      var closedMenu = again && again.closest('.workshop-menu[hidden]');
      if (closedMenu) again = columns.querySelector('[aria-controls="' + closedMenu.id + '"]');
      if (again) {
        if (typed && again.tagName === 'INPUT') {
          again.value = typed.value;
          try { again.setSelectionRange(typed.start, typed.end); } catch (e) { }
        }
        again.focus({ preventScroll: true });
      }
    }
  }

  function column(cluster, name, cards) {
    var id = cluster ? cluster.id : null;
    var headingId = 'col-' + (id || 'unsorted');
    var section = el('section', { 'class': 'workshop-column', 'aria-labelledby': headingId, 'data-cluster-id': id === null ? '' : String(id) });
    var head = el('div', { 'class': 'workshop-column-head' });
    head.appendChild(el('h3', { id: headingId }, name + ' (' + cardCount(cards.length) + ')'));
    section.appendChild(head);
    if (cluster) {
      var count = voteCountText(cluster.votes, cluster.myVotes);
      if (count) head.appendChild(el('span', { 'class': 'workshop-vote-count' }, count));
      if (!readOnly) head.appendChild(actionsMenu('cluster-' + cluster.id, 'card group ' + cluster.name, function (menu) { clusterActions(menu, cluster, cards.length); }));
    }
    var list = el('ul', { 'class': 'workshop-cards', 'aria-label': 'Cards in ' + name });
    // With no buttons inside, a list that scrolls must take focus itself, so the keyboard can scroll it.
    if (readOnly) list.setAttribute('tabindex', '0');
    cards.forEach(function (card) { list.appendChild(cardItem(card)); });
    if (cards.length === 0) list.appendChild(el('li', { 'class': 'workshop-empty' }, 'No cards here yet.'));
    section.appendChild(list);

    // Drag and drop: the same move as the menu.
    section.addEventListener('dragover', function (e) { e.preventDefault(); section.classList.add('drop-target'); });
    section.addEventListener('dragleave', function () { section.classList.remove('drop-target'); });
    section.addEventListener('drop', function (e) {
      e.preventDefault();
      section.classList.remove('drop-target');
      var cardId = parseInt(e.dataTransfer.getData('text/plain'), 10);
      if (!isNaN(cardId)) move(cardId, id);
    });
    return section;
  }

  function voteCountText(votes, myVotes) {
    // votes is null while votes are secret: then only the person's own votes show.
    if (votes === null || votes === undefined) return myVotes > 0 ? 'Your votes: ' + myVotes : '';
    return voteText(votes) + (myVotes > 0 ? ' (' + myVotes + ' yours)' : '');
  }

  // One "Actions" button that shows a short list below it (a disclosure, so screen readers and phones
  // treat it like any other button). Up and down arrows move through the list; Escape closes it.
  function actionsMenu(key, label, fill) {
    var box = el('div', { 'class': 'workshop-actions' });
    var menuId = 'menu-' + key;
    var isOpen = openMenu === key;
    var toggle = el('button', { type: 'button', 'class': 'secondary small workshop-actions-toggle', 'aria-expanded': isOpen ? 'true' : 'false', 'aria-controls': menuId, 'data-focus': 'actions-' + key }, 'Actions');
    toggle.appendChild(el('span', { 'class': 'visually-hidden' }, ' for ' + label));
    var menu = el('div', { id: menuId, 'class': 'workshop-menu', 'data-menu': key });
    menu.hidden = !isOpen;
    fill(menu);
    function close(focusToggle) {
      menu.hidden = true;
      toggle.setAttribute('aria-expanded', 'false');
      if (openMenu === key) openMenu = null;
      if (focusToggle) toggle.focus();
    }
    toggle.addEventListener('click', function () {
      if (!menu.hidden) { close(false); return; }
      // Only one menu open at a time.
      var other = openMenu && columns.querySelector('[data-menu="' + openMenu + '"]');
      if (other) { other.hidden = true; var t = columns.querySelector('[aria-controls="' + other.id + '"]'); if (t) t.setAttribute('aria-expanded', 'false'); }
      openMenu = key;
      menu.hidden = false;
      toggle.setAttribute('aria-expanded', 'true');
      var first = menu.querySelector('li > button, input, select');
      if (first) first.focus();
    });
    menu.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') { close(true); e.preventDefault(); return; }
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
      if (e.target.tagName === 'SELECT' || e.target.tagName === 'INPUT') return;
      var items = Array.prototype.slice.call(menu.querySelectorAll('li > button'));
      if (!items.length) return;
      var i = items.indexOf(document.activeElement);
      var next = e.key === 'ArrowDown' ? (i + 1) % items.length : (i - 1 + items.length) % items.length;
      items[next].focus();
      e.preventDefault();
    });
    box.appendChild(toggle);
    box.appendChild(menu);
    return box;
  }

  function menuList(menu) {
    var list = el('ul');
    menu.appendChild(list);
    return list;
  }

  function menuItem(list, text, focusKey, run) {
    var li = el('li');
    var b = el('button', { type: 'button', 'data-focus': focusKey }, text);
    b.addEventListener('click', run);
    li.appendChild(b);
    list.appendChild(li);
    return b;
  }

  function vote(target) {
    api('POST', '/votes', target).then(function () { announce('Vote given.'); return load(); }).catch(function () { });
  }

  function unvote(target) {
    api('POST', '/votes/remove', target).then(function () { announce('Vote taken back.'); return load(); }).catch(function () { });
  }

  function clusterActions(menu, cluster, cardTotal) {
    var key = 'cluster-' + cluster.id;
    var list = menuList(menu);
    menuItem(list, 'Vote for this card group', 'vote-' + key, function () { vote({ clusterId: cluster.id }); });
    if (cluster.myVotes > 0) menuItem(list, 'Take back a vote', 'unvote-' + key, function () { unvote({ clusterId: cluster.id }); });
    if (cardTotal === 0) {
      menuItem(list, 'Remove this empty card group', 'remove-' + key, function () {
        openMenu = null;
        api('DELETE', '/clusters/' + cluster.id).then(function () { announce('Card group ' + cluster.name + ' removed.'); return load(); }).catch(function () { });
      });
    }

    var form = el('form');
    var inputId = 'rename-input-' + cluster.id;
    form.appendChild(el('label', { 'for': inputId }, 'New name for ' + cluster.name));
    var input = el('input', { id: inputId, value: cluster.name, maxlength: '200', required: 'required', 'data-focus': 'rename-' + key });
    form.appendChild(input);
    form.appendChild(el('button', { type: 'submit', 'class': 'secondary small' }, 'Rename'));
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var name = input.value;
      openMenu = null;
      api('PUT', '/clusters/' + cluster.id, { name: name }).then(function () { announce('Card group renamed to ' + name.trim() + '.'); return load(); })
        .then(function () { var t = columns.querySelector('[data-focus="actions-' + key + '"]'); if (t) t.focus(); }).catch(function () { });
    });
    menu.appendChild(form);

    var others = board.clusters.filter(function (c) { return c.id !== cluster.id; });
    if (others.length > 0) {
      var merge = el('form');
      var selectId = 'merge-into-' + cluster.id;
      merge.appendChild(el('label', { 'for': selectId }, 'Merge ' + cluster.name + ' into'));
      var select = el('select', { id: selectId, 'data-focus': 'merge-' + key });
      others.forEach(function (o) { select.appendChild(el('option', { value: String(o.id) }, o.name)); });
      merge.appendChild(select);
      merge.appendChild(el('button', { type: 'submit', 'class': 'secondary small' }, 'Merge'));
      merge.addEventListener('submit', function (e) {
        e.preventDefault();
        var into = parseInt(select.value, 10);
        openMenu = null;
        api('POST', '/clusters/' + cluster.id + '/merge', { intoClusterId: into }).then(function () {
          announce(cluster.name + ' merged into ' + clusterName(into) + '.');
          return load();
        }).catch(function () { });
      });
      menu.appendChild(merge);
    }
  }

  function cardLabel(card) {
    if (!card.available) return 'card ' + card.id + ' (withdrawn)';
    var t = card.text || '';
    return '\u201c' + (t.length > 40 ? t.slice(0, 40) + '\u2026' : t) + '\u201d';
  }

  function cardItem(card) {
    var li = el('li', { 'class': 'workshop-card' + (card.available ? '' : ' unavailable') + ' kind-' + card.kind.toLowerCase(), draggable: readOnly ? 'false' : 'true', 'data-card-id': String(card.id) });
    li.addEventListener('dragstart', function (e) { e.dataTransfer.setData('text/plain', String(card.id)); e.dataTransfer.effectAllowed = 'move'; });
    if (card.available) {
      li.appendChild(el('blockquote', {}, card.text));
    } else if (card.kind === 'Note') {
      // A sticky note held after a withdrawal named the person (decision 0008): not the storyteller's own words.
      li.appendChild(el('p', {}, 'Hidden until a project lead checks it: this note names a storyteller who has withdrawn.'));
    } else {
      li.appendChild(el('p', {}, 'Withdrawn: the storyteller no longer allows their words to be used here.'));
    }

    // One line under the words: what kind of card or who said it, the votes, and the "Actions" button (its
    // menu opens on a line of its own below), so a card is only as tall as its words plus one line.
    var foot = el('div', { 'class': 'workshop-card-foot' });
    var meta = el('span', { 'class': 'workshop-card-meta' });
    if (card.kind === 'Note') meta.appendChild(el('span', { 'class': 'workshop-card-kind' }, 'Note'));
    else if (card.kind === 'Prompt') meta.appendChild(el('span', { 'class': 'workshop-card-kind' }, 'Prompt'));
    else if (card.available && card.speaker) meta.appendChild(el('span', { 'class': 'workshop-card-credit' }, '\u2014 ' + card.speaker));
    var count = voteCountText(card.votes, card.myVotes);
    if (count) meta.appendChild(el('span', { 'class': 'workshop-vote-count' }, count));
    foot.appendChild(meta);
    li.appendChild(foot);
    if (readOnly) return li;
    var key = 'card-' + card.id;
    foot.appendChild(actionsMenu(key, cardLabel(card), function (menu) {
      var list = menuList(menu);
      menuItem(list, 'Vote', 'vote-' + key, function () { vote({ cardId: card.id }); });
      if (card.myVotes > 0) menuItem(list, 'Take back a vote', 'unvote-' + key, function () { unvote({ cardId: card.id }); });
      if (board.canFacilitate && card.hasClip) {
        menuItem(list, 'Play to everyone', 'play-' + key, function () {
          openMenu = null;
          api('POST', '/play', { cardId: card.id }).then(load).catch(function () { });
        });
      }
      var places = [{ id: null, name: 'Unsorted' }].concat(board.clusters.map(function (c) { return { id: c.id, name: c.name }; }));
      places.filter(function (p) { return p.id !== card.clusterId; }).forEach(function (p) {
        menuItem(list, 'Move to ' + p.name, 'move-' + key + '-' + (p.id === null ? 'unsorted' : p.id), function () {
          openMenu = null;
          move(card.id, p.id);
        });
      });
    }));
    return li;
  }

  function move(cardId, clusterId) {
    var card = board.cards.filter(function (c) { return c.id === cardId; })[0];
    if (!card || card.clusterId === clusterId) return;
    api('POST', '/cards/' + cardId + '/move', { clusterId: clusterId, version: card.version })
      .then(function () {
        var name = clusterName(clusterId);
        announce('Card moved to ' + name + '.');
        return load();
      })
      .then(function () {
        // Focus follows the card to its new column (and scrolls the board to show it).
        var again = columns.querySelector('[data-focus="actions-card-' + cardId + '"]');
        if (again) again.focus();
      })
      .catch(function () { });
  }

  document.getElementById('workshop-new-cluster').addEventListener('submit', function (e) {
    e.preventDefault();
    var input = document.getElementById('new-cluster-name');
    api('POST', '/clusters', { name: input.value }).then(function () { announce('Card group ' + input.value.trim() + ' made.'); input.value = ''; return load(); }).catch(function () { });
  });
  document.getElementById('workshop-new-note').addEventListener('submit', function (e) {
    e.preventDefault();
    var input = document.getElementById('new-note-text');
    api('POST', '/notes', { text: input.value }).then(function () { announce('Note added.'); input.value = ''; return load(); }).catch(function () { });
  });
  document.getElementById('workshop-lock').addEventListener('click', function () {
    api('PUT', '/settings', { locked: !board.isLocked }).then(load).catch(function () { });
  });
  document.getElementById('workshop-reveal').addEventListener('click', function () {
    api('PUT', '/settings', { votesRevealed: !board.votesRevealed }).then(load).catch(function () { });
  });

  // ---- Timer: counts down to the stored end time by the server's clock. Screen readers hear it
  // only at 1 minute left and at the end (the visible time is role="timer", which is not read out).
  var clockOffset = 0;
  var timerEnds = null;
  var timerSaid = { minute: false, end: false };
  var timerTick = null;
  var timerLive = document.getElementById('workshop-timer-live');

  function sayTimer(text) {
    timerLive.textContent = '';
    window.setTimeout(function () { timerLive.textContent = text; }, 50);
  }

  function secondsLeft() { return timerEnds === null ? 0 : Math.ceil((timerEnds - (Date.now() + clockOffset)) / 1000); }

  function timeText(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ':' + (s < 10 ? '0' : '') + s;
  }

  function tickTimer() {
    var box = document.getElementById('workshop-timer');
    var text = document.getElementById('workshop-timer-left');
    if (timerEnds === null) { box.hidden = true; return; }
    var left = secondsLeft();
    box.hidden = false;
    if (left <= 0) {
      text.textContent = 'Time is up';
      if (!timerSaid.end) { timerSaid.end = true; sayTimer('Time is up.'); }
      window.clearInterval(timerTick);
      timerTick = null;
      return;
    }
    text.textContent = timeText(left) + ' left';
    if (left <= 60 && !timerSaid.minute) { timerSaid.minute = true; sayTimer('1 minute left.'); }
  }

  function drawTimer(data) {
    var ends = data.timerEndsAt ? Date.parse(data.timerEndsAt) : null;
    if (ends !== timerEnds) {
      timerEnds = ends;
      // A new or longer timer: speak at 1 minute only if it is not already within the last minute.
      timerSaid = { minute: secondsLeft() <= 60, end: ends === null };
      if (timerTick) window.clearInterval(timerTick);
      timerTick = ends === null ? null : window.setInterval(tickTimer, 1000);
    }
    tickTimer();
    document.getElementById('workshop-timer-add').hidden = ends === null;
    document.getElementById('workshop-timer-stop').hidden = ends === null;
  }

  document.getElementById('workshop-timer-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var minutes = parseInt(document.getElementById('timer-minutes').value, 10);
    api('POST', '/timer', { minutes: isNaN(minutes) ? 0 : minutes }).then(function () { announce('Timer started.'); return load(); }).catch(function () { });
  });
  document.getElementById('workshop-timer-add').addEventListener('click', function () {
    api('POST', '/timer/add', { minutes: 1 }).then(function () { announce('1 minute added.'); return load(); }).catch(function () { });
  });
  document.getElementById('workshop-timer-stop').addEventListener('click', function () {
    api('DELETE', '/timer').then(function () { announce('Timer stopped.'); return load(); }).catch(function () { });
  });

  // ---- A clip played to everyone: opens on every board, starts at the card's start and pauses at
  // its end. When the browser refuses to start sound by itself, a clear "Play the clip" button shows.
  var media = document.getElementById('workshop-media');
  var playing = null;

  function showPlayButton(show) {
    document.getElementById('workshop-player-blocked').hidden = !show;
    document.getElementById('workshop-player-play').hidden = !show;
  }

  function startClip() {
    if (!playing) return;
    if (media.currentTime < playing.start || (playing.end !== null && media.currentTime >= playing.end - 0.05)) media.currentTime = playing.start;
    var attempt = media.play();
    if (attempt && attempt.then) {
      attempt.then(function () { showPlayButton(false); }).catch(function () { showPlayButton(true); });
    }
  }

  function drawPlayer(data) {
    var section = document.getElementById('workshop-player');
    document.getElementById('workshop-player-stop').hidden = !data.canFacilitate;
    var p = data.playing || null;
    if (!p) {
      if (playing) { media.pause(); media.removeAttribute('src'); Array.prototype.slice.call(media.querySelectorAll('track')).forEach(function (t) { t.remove(); }); media.load(); }
      playing = null;
      section.hidden = true;
      return;
    }
    if (playing && playing.id === p.id) return;
    playing = { id: p.id, start: p.start, end: p.end === null || p.end === undefined ? null : p.end };
    document.getElementById('workshop-player-label').textContent = '\u201c' + p.label + '\u201d';
    section.hidden = false;
    showPlayButton(false);
    media.src = p.url + '#t=' + p.start + (playing.end !== null ? ',' + playing.end : '');
    // Captions: the card's transcript lines, shown by default (a new track each time, so the
    // browser loads the new clip's lines).
    Array.prototype.slice.call(media.querySelectorAll('track')).forEach(function (t) { t.remove(); });
    var track = document.createElement('track');
    track.kind = 'captions';
    track.srclang = 'en';
    track.label = 'English';
    track.src = p.captionsUrl;
    track.default = true;
    media.appendChild(track);
    startClip();
  }

  media.addEventListener('timeupdate', function () {
    if (playing && playing.end !== null && media.currentTime >= playing.end && !media.paused) media.pause();
  });
  document.getElementById('workshop-player-play').addEventListener('click', startClip);
  document.getElementById('workshop-player-stop').addEventListener('click', function () {
    api('DELETE', '/play').then(load).catch(function () { });
  });

  // ---- "In the room": the facilitator adds groups and acts for one of them.
  function drawRoom(data) {
    var select = document.getElementById('workshop-acting-for');
    var current = actingFor();
    select.textContent = '';
    select.appendChild(el('option', { value: '' }, 'Myself'));
    (data.roomGroups || []).forEach(function (g) {
      var option = el('option', { value: String(g.id) }, g.name);
      if (String(g.id) === current) option.selected = true;
      select.appendChild(option);
    });
    var state = document.getElementById('workshop-acting-state');
    var group = (data.roomGroups || []).filter(function (g) { return g.id === data.actingForParticipantId; })[0];
    state.hidden = !group;
    state.textContent = group ? 'You are acting for ' + group.name + '. Moves, notes and votes count for them.' : '';
  }

  function actAs(id) {
    setActingFor(id);
    if (connection && connection.state === 'Connected') {
      connection.invoke('ActAs', parseInt(projectId, 10), parseInt(workshopId, 10), id ? parseInt(id, 10) : null).catch(function () { });
    }
    // A read already on its way was asked as the person before this choice: read again after it, or the page
    // would say nobody is being acted for while moves already count for the group.
    return loading ? loading.then(load, load) : load();
  }

  document.getElementById('workshop-acting-for').addEventListener('change', function (e) {
    var select = e.target;
    var name = select.options[select.selectedIndex].text;
    actAs(select.value).then(function () { announce(select.value ? 'You are now acting for ' + name + '.' : 'You are acting as yourself again.'); });
  });
  document.getElementById('workshop-room-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var input = document.getElementById('room-group-name');
    var name = input.value;
    api('POST', '/room-groups', { displayName: name }).then(function () {
      input.value = '';
      announce(name + ' added. Choose it under \u201cActing for\u201d to act for them.');
      return load();
    }).catch(function () { });
  });

  var connection = null;

  function drawPresence(names) {
    var list = document.getElementById('workshop-presence');
    list.textContent = '';
    names.forEach(function (n) { list.appendChild(el('li', {}, n)); });
  }

  load();

  if (!window.signalR) return;
  connection = new window.signalR.HubConnectionBuilder().withUrl('/hubs/workshop').withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 10000, 30000]).build();
  // A card move carries the card's new place: a board that is exactly at change.after shows it
  // at once. Anything else (another kind of change, a missed message, a read in flight) reads the
  // whole board, and reads again if that read turns out older than the change.
  function applyMove(change) {
    if (!board || loading || !change.move || change.after !== board.sequence) return false;
    var m = change.move;
    var card = board.cards.filter(function (c) { return c.id === m.cardId; })[0];
    if (!card) return false;
    if (m.clusterId !== null && !board.clusters.some(function (c) { return c.id === m.clusterId; })) return false;
    card.clusterId = m.clusterId;
    card.position = m.position;
    card.version = m.version;
    board.cards = board.cards.filter(function (c) { return c !== card; }).concat([card]);
    board.sequence = change.sequence;
    draw(board);
    return true;
  }
  connection.on('changed', function (change) {
    // Only a change this board already is at is skipped. An older one is read again too: on PostgreSQL a
    // change can take its number before a later-numbered one commits, so a board at a higher number may
    // still lack it.
    if (board && change.sequence === board.sequence) return;
    if (change.message && change.byParticipantId !== (board && board.myParticipantId)) announce(change.message);
    if (applyMove(change)) return;
    load().then(function () { if (board && board.sequence < change.sequence) load(); });
  });
  connection.on('presence', drawPresence);
  function join() {
    return connection.invoke('Join', parseInt(projectId, 10), parseInt(workshopId, 10)).then(function (result) {
      if (!result.ok) showError(result.error);
      else if (actingFor()) connection.invoke('ActAs', parseInt(projectId, 10), parseInt(workshopId, 10), parseInt(actingFor(), 10)).catch(function () { });
      // Catch-up after a reconnect: read the whole board again. data-live marks a board that is joined
      // and up to date (the browser tests wait for it before measuring a board that would otherwise be
      // drawn again under them).
      return load().then(function () { root.setAttribute('data-live', 'joined'); });
    });
  }
  connection.onreconnecting(function () { root.removeAttribute('data-live'); announce('Connection lost. Trying again\u2026'); });
  connection.onreconnected(function () { announce('Connected again.'); join(); });
  connection.onclose(function () {
    // Automatic reconnect gave up: keep trying every 10 seconds.
    window.setTimeout(function start() { connection.start().then(join).catch(function () { window.setTimeout(start, 10000); }); }, 10000);
  });
  connection.start().then(join).catch(function () { showError('Live updates are not working. The board still works; reload to see others\u2019 changes.'); });
})();
