// Transcript editor: click a line to play from it, the playing line is highlighted, edits save as
// you type (with the version they are based on; a conflict is shown, never overwritten), and
// oTranscribe-style keys: Esc play/pause, F1/F2 back/forward 5 s, F3/F4 slower/faster.
(function () {
  "use strict";
  const root = document.querySelector(".editor");
  const form = document.getElementById("transcript-form");
  if (!root || !form) return;
  const player = document.getElementById("player");
  const status = document.getElementById("save-status");
  const version = document.getElementById("version");
  const conflict = document.getElementById("conflict");
  const token = form.querySelector("input[name='__RequestVerificationToken']").value;
  const url = `/api/projects/${root.dataset.project}/stories/${root.dataset.story}/transcript`;
  const cues = () => Array.from(form.querySelectorAll("li.cue"));
  let timer = null, saving = false, pending = false, blocked = false;

  function parseTime(text) {
    if (!text || !text.trim()) return null;
    const parts = text.trim().split(":");
    if (parts.length > 3) return NaN;
    return parts.reduce((total, p) => { const v = Number(p); return (isNaN(v) || v < 0) ? NaN : total * 60 + v; }, 0);
  }
  function formatTime(s) {
    s = Math.floor(s);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = String(s % 60).padStart(2, "0");
    return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
  }
  function say(text) { status.textContent = text; }

  // --- Player ---------------------------------------------------------------------------------
  function seek(seconds) {
    if (!player) return;
    player.currentTime = seconds;
    player.play().catch(() => { /* autoplay may be refused; the position is set anyway */ });
  }
  function highlight() {
    if (!player) return;
    const t = player.currentTime;
    let current = null;
    for (const li of cues()) {
      const start = parseFloat(li.dataset.start);
      if (!isNaN(start) && start <= t + 0.05) current = li;
    }
    for (const li of cues()) {
      const on = li === current;
      li.classList.toggle("current", on);
      if (on) li.setAttribute("aria-current", "true"); else li.removeAttribute("aria-current");
    }
  }
  const actions = {
    toggle: () => player && (player.paused ? player.play().catch(() => {}) : player.pause()),
    back: () => player && (player.currentTime = Math.max(0, player.currentTime - 5)),
    forward: () => player && (player.currentTime = player.currentTime + 5),
    slower: () => setRate(-0.25),
    faster: () => setRate(0.25),
  };
  function setRate(delta) {
    if (!player) return;
    player.playbackRate = Math.min(2.5, Math.max(0.5, player.playbackRate + delta));
    const out = document.getElementById("rate");
    if (out) out.textContent = `${player.playbackRate}×`;
  }
  if (player) {
    player.addEventListener("timeupdate", highlight);
    player.addEventListener("seeked", highlight);
  }
  root.addEventListener("click", (e) => {
    const seekButton = e.target.closest(".cue-seek");
    if (seekButton) { seek(parseFloat(seekButton.dataset.seek)); return; }
    const action = e.target.closest("[data-action]");
    if (action) { actions[action.dataset.action](); return; }
    const stamp = e.target.closest(".cue-stamp");
    if (stamp && player) {
      const li = stamp.closest("li.cue");
      const input = li.querySelector(".cue-start");
      input.value = formatTime(player.currentTime);
      li.dataset.start = String(player.currentTime);
      schedule();
    }
  });
  document.addEventListener("keydown", (e) => {
    const map = { Escape: "toggle", F1: "back", F2: "forward", F3: "slower", F4: "faster" };
    const action = map[e.key];
    if (!action || !player) return;
    e.preventDefault();
    actions[action]();
  });

  // --- Saving ---------------------------------------------------------------------------------
  function collect() {
    return cues().map((li) => {
      const start = parseTime(li.querySelector(".cue-start").value);
      const end = li.querySelector(".cue-end").value;
      return {
        start: start === null || isNaN(start) ? null : start,
        end: end === "" ? null : Number(end),
        speaker: li.querySelector(".cue-speaker-input").value,
        text: li.querySelector(".cue-text-input").value,
      };
    });
  }
  function schedule() {
    if (blocked) return;
    say("Unsaved changes…");
    clearTimeout(timer);
    timer = setTimeout(save, 800);
  }
  async function save() {
    if (blocked) return;
    if (saving) { pending = true; return; }
    saving = true;
    try {
      const response = await fetch(url, {
        method: "PUT",
        headers: { "Content-Type": "application/json", "RequestVerificationToken": token },
        body: JSON.stringify({ version: Number(version.value), format: "edited", cues: collect() }),
      });
      if (response.ok) {
        version.value = (await response.json()).version;
        say(`All changes saved at ${new Date().toLocaleTimeString()}.`);
      } else if (response.status === 409) {
        const body = await response.json();
        blocked = true;
        conflict.hidden = false;
        conflict.dataset.version = body.version;
        say("Not saved: someone else changed this transcript.");
      } else {
        let message = "Not saved. Check your connection and try again.";
        try { const body = await response.json(); if (body.errors) message = "Not saved: " + body.errors.map((x) => x.message).join(" "); } catch { /* keep the plain message */ }
        say(message);
      }
    } catch {
      say("Not saved: the connection was lost. Your changes are still here; they will be saved when you type again.");
    } finally {
      saving = false;
      if (pending) { pending = false; schedule(); }
    }
  }
  document.getElementById("keep-mine").addEventListener("click", () => {
    version.value = conflict.dataset.version;
    blocked = false;
    conflict.hidden = true;
    save();
  });
  form.addEventListener("input", (e) => {
    if (e.target.classList.contains("cue-start")) {
      const li = e.target.closest("li.cue");
      const t = parseTime(e.target.value);
      if (t !== null && !isNaN(t)) li.dataset.start = String(t);
    }
    schedule();
  });
  form.addEventListener("submit", (e) => { e.preventDefault(); clearTimeout(timer); save(); });
  window.addEventListener("beforeunload", (e) => { if (status.textContent.startsWith("Unsaved") || blocked) e.preventDefault(); });
})();
