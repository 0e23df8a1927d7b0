// Transcript editor (Features/Stories/Editor.cshtml): build or correct a transcript beside its recording.
//
// The page's list of lines is the state: each <li class="cue"> holds its words, speaker, times as typed
// (m:ss.s) and, in hidden inputs, the exact seconds, so a time nobody touched is saved as it was.
// Structural changes (add, split, merge, delete) replace a run of lines and are recorded with what
// they replaced, so Alt+Z (or "Undo" after a delete) puts them back. Every change schedules a save of
// the whole transcript (PUT …/transcript with the version it is based on; a stale save is a 409 and is
// never retried over someone else's work). Work per keystroke is constant: no walk over all lines,
// which matters for interviews of 2,000+ lines; whole-list work happens per structural change or save.
(function () {
  "use strict";
  const root = document.querySelector(".editor");
  const form = document.getElementById("transcript-form");
  if (!root || !form) return;
  root.classList.add("js");

  const list = document.getElementById("cues");
  const player = document.getElementById("player");
  const status = document.getElementById("save-status");
  const announcer = document.getElementById("announce");
  const version = document.getElementById("version");
  const conflict = document.getElementById("conflict");
  const panel = document.getElementById("line-actions");
  const panelHome = panel.parentElement;
  const playheadOut = document.getElementById("playhead");
  const rateOut = document.getElementById("rate");
  const lineTemplate = document.getElementById("cue-template").innerHTML;
  const draftTemplate = document.getElementById("draft-template").innerHTML;
  const token = form.querySelector("input[name='__RequestVerificationToken']").value;
  const url = `/api/projects/${root.dataset.project}/stories/${root.dataset.story}/transcript`;
  const people = JSON.parse(root.dataset.people || "[]");
  const MAX_SECONDS = 360000;
  let nextKey = 0;

  // --- Times ----------------------------------------------------------------------------------
  // null: empty; undefined: not a time. Same rules as TimeText.Parse on the server ("1:05.3",
  // "1:02:05.3", "65.3"); a decimal comma is read as a point.
  function parseTime(text) {
    text = (text || "").trim().replace(",", ".");
    if (!text) return null;
    const parts = text.split(":");
    if (parts.length > 3) return undefined;
    let total = 0;
    for (const part of parts) {
      if (!/^(\d+\.?\d*|\.\d+)$/.test(part)) return undefined;
      total = total * 60 + Number(part);
    }
    return total;
  }
  // To a tenth of a second, rounded, as TimeText.FormatTenths: "1:05.3", "1:02:05.3".
  function formatTime(v) {
    if (v === null || v === undefined || isNaN(v)) return "";
    const tenths = Math.round(v * 10);
    const h = Math.floor(tenths / 36000), m = Math.floor(tenths / 600) % 60, s = Math.floor(tenths / 10) % 60, t = tenths % 10;
    const ss = String(s).padStart(2, "0");
    return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}.${t}` : `${m}:${ss}.${t}`;
  }
  const tenth = (v) => Math.round(v * 10) / 10;
  const num = (input) => (input.value === "" ? null : Number(input.value));

  // --- Lines ----------------------------------------------------------------------------------
  const refsCache = new WeakMap();
  function refs(li) {
    let r = refsCache.get(li);
    if (!r) {
      const q = (s) => li.querySelector(s);
      r = {
        head: q(".cue-head"), no: q(".cue-no"), seek: q(".cue-seek"), seekTime: q(".cue-seek-time"), menu: q(".cue-menu"),
        start: q(".cue-start"), end: q(".cue-end"), speaker: q(".cue-speaker-input"), text: q(".cue-text-input"),
        startS: q(".cue-start-s"), endS: q(".cue-end-s"),
      };
      refsCache.set(li, r);
    }
    return r;
  }
  let linesCache = null;
  const lines = () => linesCache || (linesCache = Array.from(list.querySelectorAll(":scope > li.cue")));
  const indexOf = (li) => lines().indexOf(li);
  const lineName = (li) => refs(li).no.textContent;
  const isDraft = (li) => li.classList.contains("draft");
  const startOf = (li) => num(refs(li).startS);
  const endOf = (li) => num(refs(li).endS);

  function snapshot(li) {
    const r = refs(li);
    return {
      key: li.dataset.key, start: num(r.startS), end: num(r.endS), startText: r.start.value, endText: r.end.value,
      speaker: r.speaker.value, text: r.text.value, draft: isDraft(li),
    };
  }
  const same = (a, b) => a.start === b.start && a.end === b.end && a.startText === b.startText && a.endText === b.endText
    && a.speaker === b.speaker && a.text === b.text && a.draft === b.draft;

  // A new line from the page's own template (the same markup the server renders).
  function createLine(data, key) {
    key = key || `n${nextKey++}`;
    const holder = document.createElement("template");
    holder.innerHTML = lineTemplate.replaceAll("__KEY__", key);
    const li = holder.content.querySelector("li.cue");
    const r = refs(li);
    r.startS.value = data.start === null || data.start === undefined ? "" : String(data.start);
    r.endS.value = data.end === null || data.end === undefined ? "" : String(data.end);
    r.start.value = data.startText !== undefined ? data.startText : formatTime(data.start);
    r.end.value = data.endText !== undefined ? data.endText : formatTime(data.end);
    r.speaker.value = data.speaker || "";
    r.text.value = data.text || "";
    if (data.draft) makeDraft(li);
    updateSeek(li);
    return li;
  }
  function setTime(li, which, seconds) {
    const r = refs(li);
    (which === "start" ? r.startS : r.endS).value = seconds === null ? "" : String(seconds);
    (which === "start" ? r.start : r.end).value = formatTime(seconds);
    checkTimes(li);
  }
  function updateSeek(li) {
    const r = refs(li);
    if (!r.seek) return;
    const s = num(r.startS);
    r.seek.hidden = s === null;
    r.seekTime.textContent = formatTime(s);
  }

  // --- Checking times as they are typed -------------------------------------------------------
  const invalid = new Map(); // line -> what is wrong with its times; saving waits until none is left
  function checkTimes(li) {
    const r = refs(li);
    let message = null;
    for (const [box, exact, which] of [[r.start, r.startS, "start"], [r.end, r.endS, "end"]]) {
      const v = parseTime(box.value);
      box.removeAttribute("aria-invalid");
      if (v === undefined) {
        message = message || `the ${which} time “${box.value.trim()}” is not a time. Write minutes and seconds, for example 1:05.3, or 1:02:05.3 with hours.`;
        box.setAttribute("aria-invalid", "true");
      } else if (v === null) {
        exact.value = "";
      } else if (formatTime(num(exact)) !== box.value.trim()) {
        exact.value = String(v); // typed: take it; untouched text keeps the exact stored time
      }
    }
    if (!message) {
      const s = num(r.startS), e = num(r.endS);
      if ((s !== null && s >= MAX_SECONDS) || (e !== null && e >= MAX_SECONDS)) {
        message = "times must be under 100 hours.";
        (s !== null && s >= MAX_SECONDS ? r.start : r.end).setAttribute("aria-invalid", "true");
      } else if (s !== null && e !== null && e < s) {
        message = `it ends (${formatTime(e)}) before it starts (${formatTime(s)}).`;
        r.end.setAttribute("aria-invalid", "true");
      }
    }
    let error = li.querySelector(".cue-error");
    if (message) {
      invalid.set(li, message);
      if (!error) {
        error = document.createElement("p");
        error.className = "cue-error";
        error.id = `${li.dataset.key}-err`;
        r.head.after(error);
        for (const box of [r.start, r.end]) box.setAttribute("aria-describedby", `${error.id} time-hint`);
      }
      error.textContent = `${lineName(li)}: ${message}`;
    } else {
      invalid.delete(li);
      if (error) {
        error.remove();
        for (const box of [r.start, r.end]) box.setAttribute("aria-describedby", "time-hint");
      }
    }
    updateSeek(li);
    startsCache = null;
  }
  function firstProblem() {
    let best = null, bestIndex = Infinity;
    for (const [li, message] of invalid) {
      const i = indexOf(li);
      if (i >= 0 && i < bestIndex) { best = `${lineName(li)}: ${message}`; bestIndex = i; }
    }
    return best;
  }

  // --- Automatic-draft lines ------------------------------------------------------------------
  const banner = document.getElementById("draft-banner");
  function makeDraft(li) {
    if (isDraft(li)) return;
    li.classList.add("draft");
    const holder = document.createElement("template");
    holder.innerHTML = draftTemplate.replaceAll("__KEY__", li.dataset.key);
    refs(li).head.after(holder.content);
  }
  function draftsLeft() {
    const n = list.querySelectorAll(":scope > li.cue.draft").length;
    if (banner) {
      document.getElementById("draft-count").textContent = n === 1 ? "1 line" : `${n.toLocaleString("en-GB")} lines`;
      document.getElementById("draft-verb").textContent = n === 1 ? "is" : "are";
      document.getElementById("draft-need").textContent = n === 1 ? "needs" : "need";
      banner.classList.toggle("done", n === 0);
      document.getElementById("next-draft").hidden = n === 0;
    }
    return n;
  }
  const leftText = (n) => (n === 0 ? "Every line has been checked." : `${n === 1 ? "1 line still needs" : `${n} lines still need`} checking.`);
  function clearDraft(li, edited) {
    if (!isDraft(li)) return;
    const block = li.querySelector(".cue-draft");
    const hadFocus = block && block.contains(document.activeElement);
    li.classList.remove("draft");
    if (block) block.remove();
    if (hadFocus) focusWords(li);
    const n = draftsLeft();
    announce(edited
      ? `${lineName(li)} is no longer marked as an automatic draft: you edited its words. ${leftText(n)}`
      : `${lineName(li)} marked as checked. ${leftText(n)}`);
    schedule();
  }
  function nextDraft() {
    const all = lines();
    const from = indexOf(currentLine());
    // From a line, the next one after it; from the banner's button, the line last worked on counts too.
    const first = list.contains(document.activeElement) ? 1 : 0;
    for (let k = first; k <= all.length; k++) {
      const li = all[(from + k) % all.length];
      if (isDraft(li)) { focusWords(li, 0); return; }
    }
    announce("No lines are left to check.");
  }

  // --- Focus, announcements -------------------------------------------------------------------
  let lastLine = null;
  list.addEventListener("focusin", (e) => {
    const li = e.target.closest("li.cue");
    if (li) lastLine = li;
  });
  function currentLine() {
    const active = document.activeElement;
    const li = active && active.closest ? active.closest("li.cue") : null;
    if (li && li.parentElement === list) return li;
    if (panelLine && panelLine.isConnected) return panelLine;
    if (lastLine && lastLine.isConnected) return lastLine;
    return lines()[0];
  }
  function focusWords(li, caret) {
    const t = refs(li).text;
    t.focus();
    const at = caret === undefined || caret === null ? t.value.length : caret;
    t.setSelectionRange(at, at);
  }
  function announce(text) {
    // The same words twice in a row would not be spoken again without a change.
    announcer.textContent = announcer.textContent === text ? `${text}\u00a0` : text;
  }
  function say(text) {
    if (status.textContent !== text) status.textContent = text;
  }

  // --- Line actions panel (one, moved to the line it is opened on) ----------------------------
  let panelLine = null;
  function openPanel(li) {
    closePanel();
    refs(li).head.after(panel);
    panel.hidden = false;
    panel.setAttribute("aria-label", `Actions for ${lineName(li).toLowerCase()}`);
    refs(li).menu.setAttribute("aria-expanded", "true");
    panelLine = li;
  }
  function closePanel() {
    if (panelLine && refs(panelLine).menu) refs(panelLine).menu.setAttribute("aria-expanded", "false");
    panel.hidden = true;
    if (panel.parentElement !== panelHome) panelHome.append(panel);
    panelLine = null;
  }

  // --- Structural changes and undo ------------------------------------------------------------
  const undoStack = [];
  let undoNotice = null;
  function clearUndoNotice() {
    if (undoNotice) { undoNotice.remove(); undoNotice = null; }
  }
  // Replaces lines [index, index + count) by `mutate(removed)`'s result (which may reuse them, changed).
  function change(index, count, message, mutate) {
    clearUndoNotice();
    const all = lines();
    const removed = all.slice(index, index + count);
    const record = { anchorKey: index > 0 ? all[index - 1].dataset.key : null, removed: removed.map(snapshot), message, index };
    if (removed.includes(panelLine)) closePanel();
    const added = mutate(removed);
    place(all[index + count] || null, removed, added);
    record.added = added.map(snapshot);
    undoStack.push(record);
    if (undoStack.length > 200) undoStack.shift();
    structureChanged(index);
    announce(message);
    return added;
  }
  // Puts `added` where the run `removed` was (before `next`), moving nothing that is already in place
  // (moving the focused field would blur it).
  function place(next, removed, added) {
    for (const li of removed) {
      if (!added.includes(li)) { invalid.delete(li); li.remove(); }
    }
    for (let k = added.length - 1; k >= 0; k--) {
      const li = added[k];
      if (!(li.isConnected && li.nextElementSibling === next)) list.insertBefore(li, next);
      next = li;
    }
  }
  function structureChanged(from) {
    linesCache = null;
    startsCache = null;
    const all = lines();
    for (let i = Math.max(0, from); i < all.length; i++) {
      const no = refs(all[i]).no, text = `Line ${i + 1}`;
      if (no.textContent !== text) no.textContent = text;
    }
    for (const li of invalid.keys()) if (li.isConnected) checkTimes(li); // messages name the line
    draftsLeft();
    schedule();
  }
  function undo() {
    const record = undoStack[undoStack.length - 1];
    if (!record) { announce("There is nothing to undo."); return; }
    const all = lines();
    const byKey = new Map(all.map((li) => [li.dataset.key, li]));
    const added = record.added.map((s) => byKey.get(s.key));
    let index;
    if (added.length) index = all.indexOf(added[0]);
    else index = record.anchorKey === null ? 0 : (byKey.has(record.anchorKey) ? all.indexOf(byKey.get(record.anchorKey)) + 1 : -1);
    const changed = added.findIndex((li, k) => !li || all[index + k] !== li || !same(snapshot(li), record.added[k]));
    if (index < 0 || changed >= 0) {
      const which = changed >= 0 && added[changed] ? ` ${lineName(added[changed])} has been changed since.` : "";
      announce(`Cannot undo “${record.message}”:${which} Change it back by hand.`);
      say(`Cannot undo “${record.message}”:${which} Change it back by hand.`);
      return;
    }
    undoStack.pop();
    clearUndoNotice();
    if (added.includes(panelLine)) closePanel();
    const restored = record.removed.map((s) => createLine(s, s.key));
    place(all[index + added.length] || null, added, restored);
    for (const li of restored) checkTimes(li);
    structureChanged(index);
    const target = restored[0] || lines()[Math.min(index, lines().length - 1)];
    if (target) focusWords(target);
    announce(`Undone: ${record.message}`);
  }

  // Where a line splits in time: at the playhead while the player is inside the line, else in
  // proportion to the words on each side of the cursor, else unknown.
  function splitTime(li, caret) {
    const s = startOf(li), e = endOf(li), all = lines(), i = all.indexOf(li);
    const nextStart = i + 1 < all.length ? startOf(all[i + 1]) : null;
    const upper = e !== null ? e : (nextStart !== null ? nextStart : Infinity);
    if (playerUsed()) {
      const t = tenth(player.currentTime);
      if (t >= (s === null ? 0 : s) && t <= upper) return t;
    }
    const length = refs(li).text.value.length;
    if (s !== null && e !== null && length > 0) return tenth(s + (e - s) * (caret / length));
    return null;
  }
  const playerUsed = () => !!player && (player.currentTime > 0 || !player.paused);

  function speakerList() {
    const names = people.slice();
    for (const li of lines()) {
      const s = refs(li).speaker.value.trim();
      if (s && !names.includes(s)) names.push(s);
    }
    return names;
  }
  // In a conversation people take turns: after B answering A comes A again; otherwise the next person in the list.
  function nextSpeakerAfter(index) {
    const all = lines();
    const current = refs(all[index]).speaker.value.trim();
    const before = index > 0 ? refs(all[index - 1]).speaker.value.trim() : "";
    if (!current) return "";
    if (before && before !== current) return before;
    const names = speakerList();
    return names[(names.indexOf(current) + 1) % names.length] || "";
  }

  const ops = {
    // Enter: a new line for the next speaker; the words after the cursor move to it.
    nextLine(li) {
      const t = refs(li).text, caret = t.selectionStart, i = indexOf(li);
      if (caret < t.value.length) return split(li, caret, nextSpeakerAfter(i));
      const s = startOf(li), e = endOf(li);
      let start = e, endPrevious = e;
      if (playerUsed()) {
        const now = tenth(player.currentTime);
        if (s === null || now >= s) { start = now; endPrevious = now; }
      }
      const speaker = nextSpeakerAfter(i);
      const [, line] = change(i, 1, `${lineNameAt(i + 1)} added${speaker ? ` for ${speaker}` : ""}${start !== null ? `, from ${formatTime(start)}` : ""}.`, ([old]) => {
        if (endPrevious !== e) setTime(old, "end", endPrevious);
        return [old, createLine({ start, end: e !== null && start !== null && e > start && endPrevious !== e ? e : null, speaker })];
      });
      focusWords(line, 0);
    },
    split(li) { const t = refs(li).text; split(li, t.selectionStart, refs(li).speaker.value); },
    addAfter(li) {
      const i = indexOf(li), all = lines(), next = all[i + 1];
      const start = endOf(li), nextStart = next ? startOf(next) : null;
      const speaker = nextSpeakerAfter(i);
      const [line] = change(i + 1, 0, `${lineNameAt(i + 1)} added after ${lineName(li).toLowerCase()}.`, () =>
        [createLine({ start, end: nextStart !== null && (start === null || nextStart >= start) ? nextStart : null, speaker })]);
      focusWords(line);
    },
    addBefore(li) {
      const i = indexOf(li), all = lines(), previous = all[i - 1];
      const start = previous ? endOf(previous) : null, end = startOf(li);
      const [line] = change(i, 0, `New ${lineNameAt(i).toLowerCase()} added; the line that was ${lineNameAt(i).toLowerCase()} is now ${lineNameAt(i + 1).toLowerCase()}.`, () =>
        [createLine({ start: start !== null && (end === null || start <= end) ? start : null, end })]);
      focusWords(line);
    },
    merge(li) {
      const i = indexOf(li), all = lines(), next = all[i + 1];
      if (!next) { announce("This is the last line: there is no next line to merge it with."); return; }
      const a = snapshot(li), b = snapshot(next);
      const joinAt = a.text.trimEnd().length;
      const lost = a.speaker.trim() && b.speaker.trim() && a.speaker.trim() !== b.speaker.trim() ? ` (its speaker was ${b.speaker.trim()})` : "";
      change(i, 2, `${lineName(next)} merged into ${lineName(li).toLowerCase()}${lost}.`, ([first]) => {
        const r = refs(first);
        const left = a.text.trimEnd(), right = b.text.trimStart();
        r.text.value = left + (left && right ? " " : "") + right;
        if (!a.speaker.trim()) r.speaker.value = b.speaker;
        if (a.start === null && b.start !== null) setTime(first, "start", b.start);
        r.endS.value = b.end === null ? "" : String(b.end); // the joined line ends where the later one did
        r.end.value = b.endText;
        checkTimes(first);
        if (b.draft) makeDraft(first);
        return [first];
      });
      focusWords(li, joinAt);
    },
    remove(li) {
      const i = indexOf(li), all = lines();
      if (all.length === 1) {
        const [line] = change(0, 1, "Line 1 deleted; an empty line is left to type in.", () => [createLine({})]);
        showUndo(line, "Line 1 deleted.");
        focusWords(line);
        return;
      }
      const name = lineName(li);
      change(i, 1, `${name} deleted. To bring it back, press Alt+Z or the Undo button.`, () => []);
      const after = lines()[i] || null;
      showUndo(after, `${name} deleted.`);
      focusWords(after || lines()[i - 1], after ? 0 : undefined);
    },
    nextSpeaker(li, back) {
      const names = speakerList(), r = refs(li);
      if (!names.length) { announce("Type a speaker's name first."); return; }
      const at = names.indexOf(r.speaker.value.trim());
      const k = at < 0 ? (back ? names.length - 1 : 0) : (at + (back ? names.length - 1 : 1)) % names.length;
      r.speaker.value = names[k];
      announce(`Speaker of ${lineName(li).toLowerCase()}: ${names[k]}.`);
      schedule();
    },
    startHere(li) { fromPlayer(li, "start"); },
    endHere(li) { fromPlayer(li, "end"); },
    insertTime(li) {
      if (!player) return;
      const t = refs(li).text;
      const from = t.selectionStart, to = t.selectionEnd;
      const text = `${from > 0 && !/\s/.test(t.value[from - 1]) ? " " : ""}[${formatTime(player.currentTime)}] `;
      t.focus();
      t.setSelectionRange(from, to);
      // insertText keeps the browser's own undo (Ctrl+Z) for the words; setRangeText where it is missing.
      if (!document.execCommand || !document.execCommand("insertText", false, text)) {
        t.setRangeText(text, from, to, "end");
        wordsEdited(li);
      }
    },
    check(li) {
      if (!isDraft(li)) { announce(`${lineName(li)} is not an automatic draft.`); return; }
      clearDraft(li, false);
    },
  };
  const lineNameAt = (i) => `Line ${i + 1}`;

  function split(li, caret, secondSpeaker) {
    const i = indexOf(li), r = refs(li);
    const text = r.text.value, left = text.slice(0, caret).trimEnd(), right = text.slice(caret).trimStart();
    const at = splitTime(li, caret), e = endOf(li), draft = isDraft(li);
    const [, second] = change(i, 1, `${lineName(li)} split: the words after the cursor are now ${lineNameAt(i + 1).toLowerCase()}${at !== null ? `, from ${formatTime(at)}` : ""}.`, ([first]) => {
      refs(first).text.value = left;
      if (at !== null) setTime(first, "end", at);
      else { refs(first).endS.value = ""; refs(first).end.value = ""; checkTimes(first); }
      return [first, createLine({ start: at, end: e, speaker: secondSpeaker, text: right, draft: draft && right.length > 0 })];
    });
    focusWords(second, 0);
  }
  function fromPlayer(li, which) {
    if (!player) return;
    const t = tenth(player.currentTime);
    setTime(li, which, t);
    announce(`${lineName(li)} ${which === "start" ? "starts" : "ends"} at ${formatTime(t)}.`);
    schedule();
  }
  function showUndo(before, text) {
    const li = document.createElement("li");
    li.className = "cue-undo";
    const words = document.createElement("span");
    words.textContent = `${text} `;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.setAttribute("aria-keyshortcuts", "Alt+Z");
    button.append("Undo ");
    const kbd = document.createElement("kbd");
    kbd.textContent = "Alt+Z";
    button.append(kbd);
    words.id = `undo-${nextKey++}`;
    button.setAttribute("aria-describedby", words.id);
    button.addEventListener("click", undo);
    li.append(words, button);
    list.insertBefore(li, before && before.parentElement === list ? before : null);
    undoNotice = li;
  }

  function wordsEdited(li) {
    if (isDraft(li)) clearDraft(li, true);
    schedule();
  }

  // --- Player ---------------------------------------------------------------------------------
  let startsCache = null, currentLi = null;
  function highlight() {
    if (!player) return;
    if (!startsCache) startsCache = lines().map((li) => [startOf(li), li]).filter((x) => x[0] !== null);
    const t = player.currentTime;
    let current = null;
    if (playerUsed()) for (const [s, li] of startsCache) if (s <= t + 0.05) current = li; // not before anyone has played
    if (current !== currentLi) {
      if (currentLi) { currentLi.classList.remove("current"); currentLi.removeAttribute("aria-current"); }
      if (current) { current.classList.add("current"); current.setAttribute("aria-current", "true"); }
      currentLi = current;
    }
    const at = formatTime(t);
    if (playheadOut && playheadOut.textContent !== at) playheadOut.textContent = at;
  }
  function setRate(delta) {
    player.playbackRate = Math.min(2.5, Math.max(0.5, player.playbackRate + delta));
    rateOut.textContent = `${player.playbackRate}×`;
  }
  const playerActions = {
    toggle: () => (player.paused ? player.play().catch(() => {}) : player.pause()),
    back: () => { player.currentTime = Math.max(0, player.currentTime - 2); },
    forward: () => { player.currentTime = Math.min(player.duration || Infinity, player.currentTime + 2); },
    slower: () => setRate(-0.25),
    faster: () => setRate(0.25),
  };
  if (player) {
    player.addEventListener("timeupdate", highlight);
    player.addEventListener("seeked", highlight);
  }

  // --- Clicks and keys ------------------------------------------------------------------------
  root.addEventListener("click", (e) => {
    const target = e.target.closest("button");
    if (!target) return;
    const li = target.closest("li.cue");
    if (target.dataset.action && player) { playerActions[target.dataset.action](); return; }
    if (target.classList.contains("cue-seek") && li) {
      player.currentTime = startOf(li);
      player.play().catch(() => { /* autoplay may be refused; the position is set anyway */ });
      return;
    }
    if (target.classList.contains("cue-menu") && li) {
      if (panelLine === li) closePanel(); else openPanel(li);
      return;
    }
    if (target.classList.contains("cue-check") && li) { clearDraft(li, false); return; }
    if (target.dataset.line && panelLine) {
      const line = panelLine, op = target.dataset.line;
      const keepsPanel = op === "nextSpeaker" || op === "startHere" || op === "endHere";
      if (!keepsPanel) closePanel();
      ops[op](line);
      return;
    }
    if (target.id === "next-draft") nextDraft();
  });

  const altKeys = {
    KeyP: () => player && playerActions.toggle(), Comma: () => player && playerActions.back(), Period: () => player && playerActions.forward(),
    Minus: () => player && playerActions.slower(), Equal: () => player && playerActions.faster(), KeyT: (li) => ops.insertTime(li),
    KeyN: (li, shift) => ops.nextSpeaker(li, shift), KeyS: (li) => ops.split(li), KeyM: (li) => ops.merge(li),
    KeyA: (li, shift) => (shift ? ops.addBefore(li) : ops.addAfter(li)), KeyX: (li) => ops.remove(li), KeyZ: () => undo(),
    BracketLeft: (li) => ops.startHere(li), BracketRight: (li) => ops.endHere(li), KeyC: (li) => ops.check(li),
    ArrowUp: (li) => { const p = lines()[indexOf(li) - 1]; if (p) focusWords(p); },
    ArrowDown: (li) => { const n = lines()[indexOf(li) + 1]; if (n) focusWords(n); },
  };
  const fKeys = { F1: "back", F2: "forward", F3: "slower", F4: "faster" };
  document.addEventListener("keydown", (e) => {
    if (e.isComposing || e.defaultPrevented) return;
    const plain = !e.altKey && !e.ctrlKey && !e.metaKey;
    if (player && plain && !e.shiftKey && (e.key === "Escape" || fKeys[e.key])) {
      e.preventDefault();
      playerActions[e.key === "Escape" ? "toggle" : fKeys[e.key]]();
      return;
    }
    // Alt (Option on a Mac), never with Ctrl: Ctrl+Alt is AltGr, which types characters on many keyboards.
    if (e.altKey && !e.ctrlKey && !e.metaKey && altKeys[e.code]) {
      e.preventDefault();
      const li = currentLine();
      if (li) altKeys[e.code](li, e.shiftKey);
      return;
    }
    if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.code === "KeyJ" && player) {
      e.preventDefault();
      ops.insertTime(currentLine());
      return;
    }
    if (e.key === "Enter" && plain && !e.shiftKey) {
      const field = e.target;
      const li = field.closest ? field.closest("li.cue") : null;
      if (!li) return;
      if (field.classList.contains("cue-text-input")) { e.preventDefault(); ops.nextLine(li); }
      else if (field.matches("input")) { e.preventDefault(); focusWords(li); } // not a form submit: on to the words
    }
  });

  form.addEventListener("input", (e) => {
    const li = e.target.closest("li.cue");
    if (!li) return;
    if (e.target.classList.contains("cue-text-input")) { wordsEdited(li); return; }
    if (e.target.classList.contains("cue-start") || e.target.classList.contains("cue-end")) checkTimes(li);
    schedule();
  });

  // --- Saving ---------------------------------------------------------------------------------
  let timer = null, saving = false, pending = false, blocked = false, dirty = false, dirtySince = 0, retryDelay = 5000, leaving = false;
  function collect() {
    return lines().map((li) => {
      const r = refs(li);
      return { start: num(r.startS), end: num(r.endS), speaker: r.speaker.value, text: r.text.value, isDraft: isDraft(li) };
    });
  }
  // Saves 0.8 s after the last change, and at least every 10 s while someone types without a pause.
  function schedule() {
    dirty = true;
    if (blocked) return;
    if (!dirtySince) dirtySince = Date.now();
    say("Unsaved changes…");
    clearTimeout(timer);
    timer = setTimeout(save, Math.max(0, Math.min(800, dirtySince + 10000 - Date.now())));
  }
  function retryLater(message) {
    say(`${message} Your changes are still here; trying again in ${Math.round(retryDelay / 1000)} seconds.`);
    clearTimeout(timer);
    timer = setTimeout(save, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 60000);
  }
  async function save() {
    clearTimeout(timer);
    timer = null;
    if (blocked) return;
    if (saving) { pending = true; return; }
    const problem = firstProblem();
    if (problem) { say(`Not saved: ${problem}`); return; }
    saving = true;
    dirty = false;
    dirtySince = 0;
    let retry = null;
    try {
      const response = await fetch(url, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "RequestVerificationToken": token },
        body: JSON.stringify({ version: Number(version.value), format: "edited", cues: collect() }),
      });
      if (response.ok) {
        version.value = (await response.json()).version;
        retryDelay = 5000;
        if (!dirty) say(`All changes saved at ${new Date().toLocaleTimeString("en-GB")}.`);
      } else {
        dirty = true;
        if (response.status === 409) showConflict(await response.json());
        else if (response.status === 422 || response.status === 400) say(`Not saved: ${await problemText(response, "the server refused the transcript.")}`);
        else if (response.status === 401) say("Not saved: you have been signed out (after a time without activity). Sign in again in a new tab, then come back here and press “Save transcript”: your changes are still on this page.");
        else if (response.status === 403) say("Not saved: you are no longer allowed to edit this transcript (your role in the project may have changed). Your changes are still on this page; copy them somewhere safe and ask the project lead.");
        else if (response.status === 404) say("Not saved: this story no longer exists in the project (it may have been withdrawn or deleted).");
        else if (response.status === 413) say("Not saved: the transcript is too large to send in one piece. Split the recording into parts and transcribe each as its own story.");
        else retry = `Not saved: the server had a problem (error ${response.status}).`;
      }
    } catch {
      dirty = true;
      retry = "Not saved: there is no connection to Storyweave.";
    } finally {
      saving = false;
    }
    if (retry) retryLater(retry);
    else if (pending) { pending = false; schedule(); } // changed while that save was on its way
  }
  async function problemText(response, fallback) {
    try {
      const body = await response.json();
      if (body.errors) {
        const messages = Array.isArray(body.errors) ? body.errors.map((x) => x.message || x) : Object.values(body.errors).flat();
        if (messages.length) return messages.join(" ");
      }
      if (body.detail) return body.detail;
    } catch { /* not JSON */ }
    return fallback;
  }
  function showConflict(body) {
    blocked = true;
    conflict.hidden = false;
    conflict.dataset.version = body.version;
    const theirs = document.getElementById("their-version");
    theirs.replaceChildren(...(body.current || []).map((c) => {
      const li = document.createElement("li");
      const time = document.createElement("span");
      time.className = "cue-time";
      time.textContent = formatTime(c.start);
      const who = document.createElement("span");
      who.className = "cue-speaker";
      who.textContent = c.speaker ? `${c.speaker}:` : "";
      li.append(time, " ", who, " ", c.text);
      return li;
    }));
    const n = (body.current || []).length;
    document.getElementById("their-count").textContent = n === 1 ? "1 line" : `${n} lines`;
    say("Not saved: someone else saved this transcript while you were editing. Compare with their version under “Not saved” above the transcript.");
  }
  document.getElementById("keep-mine").addEventListener("click", () => {
    version.value = conflict.dataset.version;
    blocked = false;
    conflict.hidden = true;
    save();
  });
  document.getElementById("take-theirs").addEventListener("click", () => {
    leaving = true;
    window.location.reload();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (blocked) { say("Not saved: someone else saved this transcript meanwhile. Choose what to keep under “Not saved” above the transcript."); return; }
    save();
  });
  window.addEventListener("online", () => { if (dirty && !blocked) save(); });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden" && dirty && !blocked) save(); });
  window.addEventListener("beforeunload", (e) => { if (!leaving && (dirty || saving || blocked)) e.preventDefault(); });

  // --- Start ----------------------------------------------------------------------------------
  // On phones the player sticks to the top of the screen: lines brought into view (by focus, by Tab)
  // stop below it instead of under it (WCAG 2.4.11). Set through the CSSOM, which the CSP allows.
  const dock = document.querySelector(".editor-dock");
  const keepFocusClear = () => {
    document.documentElement.style.scrollPaddingTop = getComputedStyle(dock).position === "sticky" ? `${dock.offsetHeight + 8}px` : "";
  };
  if (window.ResizeObserver) new ResizeObserver(keepFocusClear).observe(dock);
  const keys = document.getElementById("editor-keys");
  if (keys && window.matchMedia("(max-width: 40rem)").matches) keys.open = false; // phones: the list folds away
  highlight();
})();
