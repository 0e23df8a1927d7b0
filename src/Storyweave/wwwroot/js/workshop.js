// Workshop board: draws the board from GET …/board, sends every change to the JSON API, and
// listens on the SignalR hub. A broadcast carries only the board's sequence, so on any news (or a
// reconnect) the board is simply read again: simple, lossless, and each person sees it with their
// own rights (consent, secret votes). Moving works with the "Move to…" menu (keyboard, screen
// readers, phones) and with drag and drop. No inline script or style anywhere.
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

  function draw(data) {
    var keep = focusKey();
    board = data;
    root.setAttribute('data-sequence', String(data.sequence));
    document.getElementById('workshop-votes-used').textContent =
      data.votesUsed + ' of ' + data.votesPerParticipant + ' votes used' + (data.votesRevealed ? '. Everyone\u2019s votes are shown.' : '. Votes are secret until the facilitator shows them.');
    var lock = document.getElementById('workshop-lock-state');
    lock.hidden = !data.isLocked && !data.isConverted;
    lock.textContent = data.isConverted ? 'This board has been turned into themes. It can no longer change.'
      : data.isLocked ? 'The facilitator has paused changes to the board.' : '';
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
    if (keep) {
      var again = columns.querySelector('[data-focus="' + keep + '"]') || document.querySelector('[data-focus="' + keep + '"]');
      if (again) again.focus();
    }
  }

  function column(cluster, name, cards) {
    var id = cluster ? cluster.id : null;
    var section = el('section', { 'class': 'workshop-column', 'aria-labelledby': 'col-' + (id || 'unsorted'), 'data-cluster-id': id === null ? '' : String(id) });
    var head = el('div', { 'class': 'workshop-column-head' });
    head.appendChild(el('h2', { id: 'col-' + (id || 'unsorted') }, name + ' (' + (cards.length === 1 ? '1 card' : cards.length + ' cards') + ')'));
    section.appendChild(head);
    if (cluster) head.appendChild(clusterTools(cluster, cards.length));
    var list = el('ul', { 'class': 'workshop-cards' });
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

  function clusterTools(cluster, cardCount) {
    var tools = el('div', { 'class': 'workshop-cluster-tools' });
    tools.appendChild(voteControls({ clusterId: cluster.id }, cluster.votes, cluster.myVotes, 'group ' + cluster.name, 'cluster-' + cluster.id));

    var rename = el('details', { 'class': 'workshop-more' });
    rename.appendChild(el('summary', { 'data-focus': 'rename-' + cluster.id }, 'Rename or merge'));
    var form = el('form', { 'class': 'inline-form' });
    var inputId = 'rename-input-' + cluster.id;
    form.appendChild(el('label', { 'for': inputId }, 'New name for ' + cluster.name));
    var input = el('input', { id: inputId, value: cluster.name, maxlength: '200', required: 'required' });
    form.appendChild(input);
    form.appendChild(el('button', { type: 'submit', 'class': 'secondary' }, 'Rename'));
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      api('PUT', '/clusters/' + cluster.id, { name: input.value }).then(load).catch(function () { });
    });
    rename.appendChild(form);

    var others = board.clusters.filter(function (c) { return c.id !== cluster.id; });
    if (others.length > 0) {
      var merge = el('form', { 'class': 'inline-form' });
      var selectId = 'merge-into-' + cluster.id;
      merge.appendChild(el('label', { 'for': selectId }, 'Merge ' + cluster.name + ' into'));
      var select = el('select', { id: selectId });
      others.forEach(function (o) { select.appendChild(el('option', { value: String(o.id) }, o.name)); });
      merge.appendChild(select);
      merge.appendChild(el('button', { type: 'submit', 'class': 'secondary' }, 'Merge'));
      merge.addEventListener('submit', function (e) {
        e.preventDefault();
        api('POST', '/clusters/' + cluster.id + '/merge', { intoClusterId: parseInt(select.value, 10) }).then(load).catch(function () { });
      });
      rename.appendChild(merge);
    }
    if (cardCount === 0) {
      var remove = el('button', { type: 'button', 'class': 'secondary' }, 'Remove this empty group');
      remove.addEventListener('click', function () { api('DELETE', '/clusters/' + cluster.id).then(load).catch(function () { }); });
      rename.appendChild(remove);
    }
    tools.appendChild(rename);
    return tools;
  }

  function voteControls(target, votes, myVotes, label, key) {
    var box = el('div', { 'class': 'workshop-vote' });
    var text = votes === null || votes === undefined
      ? (myVotes > 0 ? 'Your votes: ' + myVotes : '')
      : voteText(votes) + (myVotes > 0 ? ' (' + myVotes + ' yours)' : '');
    if (text) box.appendChild(el('span', { 'class': 'workshop-vote-count' }, text));
    var add = el('button', { type: 'button', 'class': 'secondary small', 'data-focus': 'vote-' + key }, 'Vote');
    add.appendChild(el('span', { 'class': 'visually-hidden' }, ' for ' + label));
    add.addEventListener('click', function () {
      api('POST', '/votes', target).then(function () { announce('Vote given.'); return load(); }).catch(function () { });
    });
    box.appendChild(add);
    if (myVotes > 0) {
      var back = el('button', { type: 'button', 'class': 'secondary small', 'data-focus': 'unvote-' + key }, 'Take back vote');
      back.appendChild(el('span', { 'class': 'visually-hidden' }, ' from ' + label));
      back.addEventListener('click', function () {
        api('POST', '/votes/remove', target).then(function () { announce('Vote taken back.'); return load(); }).catch(function () { });
      });
      box.appendChild(back);
    }
    return box;
  }

  function cardLabel(card) {
    if (!card.available) return 'card ' + card.id + ' (withdrawn)';
    var t = card.text || '';
    return '\u201c' + (t.length > 40 ? t.slice(0, 40) + '\u2026' : t) + '\u201d';
  }

  function cardItem(card) {
    var li = el('li', { 'class': 'workshop-card' + (card.available ? '' : ' unavailable') + ' kind-' + card.kind.toLowerCase(), draggable: 'true', 'data-card-id': String(card.id) });
    li.addEventListener('dragstart', function (e) { e.dataTransfer.setData('text/plain', String(card.id)); e.dataTransfer.effectAllowed = 'move'; });
    if (card.kind === 'Note') li.appendChild(el('p', { 'class': 'workshop-card-kind' }, 'Note'));
    if (card.kind === 'Prompt') li.appendChild(el('p', { 'class': 'workshop-card-kind' }, 'Prompt'));
    if (card.available) {
      li.appendChild(el('blockquote', {}, card.text));
      if (card.speaker) li.appendChild(el('p', { 'class': 'workshop-card-credit' }, '\u2014 ' + card.speaker));
    } else {
      li.appendChild(el('p', {}, 'Withdrawn: the storyteller no longer allows their words to be used here.'));
    }
    li.appendChild(voteControls({ cardId: card.id }, card.votes, card.myVotes, cardLabel(card), 'card-' + card.id));
    if (board.canFacilitate && card.hasClip) {
      var play = el('button', { type: 'button', 'class': 'secondary small', 'data-focus': 'play-' + card.id }, 'Play to everyone');
      play.appendChild(el('span', { 'class': 'visually-hidden' }, ': ' + cardLabel(card)));
      play.addEventListener('click', function () { api('POST', '/play', { cardId: card.id }).then(load).catch(function () { }); });
      li.appendChild(play);
    }

    // The keyboard way: a button that opens a list of places to move the card to.
    var menuId = 'move-menu-' + card.id;
    var toggle = el('button', { type: 'button', 'class': 'secondary small', 'aria-expanded': 'false', 'aria-controls': menuId, 'data-focus': 'move-' + card.id }, 'Move to\u2026');
    toggle.appendChild(el('span', { 'class': 'visually-hidden' }, ' ' + cardLabel(card)));
    var menu = el('ul', { id: menuId, 'class': 'workshop-move-menu', hidden: 'hidden' });
    var places = [{ id: null, name: 'Unsorted' }].concat(board.clusters.map(function (c) { return { id: c.id, name: c.name }; }));
    places.filter(function (p) { return p.id !== card.clusterId; }).forEach(function (p) {
      var item = el('li');
      var b = el('button', { type: 'button', 'class': 'link-button' }, p.name);
      b.addEventListener('click', function () { closeMenu(); move(card.id, p.id); });
      item.appendChild(b);
      menu.appendChild(item);
    });
    function closeMenu() { menu.hidden = true; toggle.setAttribute('aria-expanded', 'false'); }
    toggle.addEventListener('click', function () {
      var open = menu.hidden;
      menu.hidden = !open;
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open) { var first = menu.querySelector('button'); if (first) first.focus(); }
    });
    menu.addEventListener('keydown', function (e) {
      var items = Array.prototype.slice.call(menu.querySelectorAll('button'));
      var i = items.indexOf(document.activeElement);
      if (e.key === 'Escape') { closeMenu(); toggle.focus(); e.preventDefault(); }
      else if (e.key === 'ArrowDown' && items.length) { items[(i + 1) % items.length].focus(); e.preventDefault(); }
      else if (e.key === 'ArrowUp' && items.length) { items[(i - 1 + items.length) % items.length].focus(); e.preventDefault(); }
    });
    li.appendChild(toggle);
    li.appendChild(menu);
    return li;
  }

  function move(cardId, clusterId) {
    var card = board.cards.filter(function (c) { return c.id === cardId; })[0];
    if (!card || card.clusterId === clusterId) return;
    api('POST', '/cards/' + cardId + '/move', { clusterId: clusterId, version: card.version })
      .then(function () {
        announce('Card moved to ' + clusterName(clusterId) + '.');
        return load();
      })
      .then(function () {
        var again = columns.querySelector('[data-focus="move-' + cardId + '"]');
        if (again) again.focus();
      })
      .catch(function () { });
  }

  document.getElementById('workshop-new-cluster').addEventListener('submit', function (e) {
    e.preventDefault();
    var input = document.getElementById('new-cluster-name');
    api('POST', '/clusters', { name: input.value }).then(function () { announce('Group ' + input.value + ' made.'); input.value = ''; return load(); }).catch(function () { });
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
    return load();
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
    if (board && change.sequence <= board.sequence) return;
    if (change.message && change.byParticipantId !== (board && board.myParticipantId)) announce(change.message);
    if (applyMove(change)) return;
    load().then(function () { if (board && board.sequence < change.sequence) load(); });
  });
  connection.on('presence', drawPresence);
  function join() {
    return connection.invoke('Join', parseInt(projectId, 10), parseInt(workshopId, 10)).then(function (result) {
      if (!result.ok) showError(result.error);
      else if (actingFor()) connection.invoke('ActAs', parseInt(projectId, 10), parseInt(workshopId, 10), parseInt(actingFor(), 10)).catch(function () { });
      // Catch-up after a reconnect: read the whole board again.
      return load();
    });
  }
  connection.onreconnecting(function () { announce('Connection lost. Trying again\u2026'); });
  connection.onreconnected(function () { announce('Connected again.'); join(); });
  connection.onclose(function () {
    // Automatic reconnect gave up: keep trying every 10 seconds.
    window.setTimeout(function start() { connection.start().then(join).catch(function () { window.setTimeout(start, 10000); }); }, 10000);
  });
  connection.start().then(join).catch(function () { showError('Live updates are not working. The board still works; reload to see others\u2019 changes.'); });
})();
