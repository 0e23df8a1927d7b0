// Public story page: click a transcript line to play from there, highlight the line being played,
// and search within the transcript without reloading. Without JavaScript the page still works: the
// transcript is plain HTML with times and the search form is answered by the server (live site).
(() => {
  "use strict";
  const list = document.getElementById("public-transcript");
  if (!list) return;
  const player = document.getElementById("story-player");
  const lines = Array.from(list.querySelectorAll("li"));
  const timed = lines.filter((li) => li.dataset.start !== undefined && li.dataset.start !== "");

  if (player && timed.length > 0) {
    list.classList.add("can-seek");
    const seek = (li) => {
      player.currentTime = Number(li.dataset.start);
      const playing = player.play();
      if (playing && playing.catch) playing.catch(() => { /* autoplay refused: the position is still set */ });
      mark();
    };
    list.addEventListener("click", (event) => {
      const li = event.target.closest("li[data-start]");
      if (!li || !li.dataset.start) return;
      if (window.getSelection && String(window.getSelection()).length > 0) return; // let people select text
      event.preventDefault();
      seek(li);
    });
    let current = null;
    const mark = () => {
      const t = player.currentTime;
      let found = null;
      for (const li of timed) {
        if (Number(li.dataset.start) <= t + 0.05) found = li; else break;
      }
      if (found && found.dataset.end && t > Number(found.dataset.end) + 0.5) found = null;
      if (found === current) return;
      if (current) { current.classList.remove("current"); current.removeAttribute("aria-current"); }
      current = found;
      if (current) { current.classList.add("current"); current.setAttribute("aria-current", "true"); }
    };
    player.addEventListener("timeupdate", mark);
    player.addEventListener("seeked", mark);
  }

  // Search within: the same plain-text, case-insensitive matching as the server (TranscriptSearch).
  const form = document.querySelector("form.transcript-search");
  const input = document.getElementById("transcript-q");
  const summary = document.getElementById("transcript-results");
  if (!form || !input || !summary) return;
  const texts = lines.map((li) => li.querySelector(".cue-text"));
  const originals = texts.map((el) => (el ? el.textContent : ""));
  const timeOf = (li, i) => { const a = li.querySelector(".cue-time"); return a ? a.textContent : `line ${i + 1}`; };

  const search = (query) => {
    const terms = Array.from(new Set(query.trim().split(/\s+/)
      .map((t) => t.replace(/^["',.;:!?]+|["',.;:!?]+$/g, "")).filter((t) => t.length > 0)
      .map((t) => t.toLowerCase())));
    const hits = [];
    texts.forEach((el, i) => {
      if (!el) return;
      const text = originals[i];
      const lower = text.toLowerCase();
      const marked = new Array(text.length).fill(false);
      for (const term of terms) {
        for (let at = lower.indexOf(term); at >= 0; at = lower.indexOf(term, at + 1)) {
          for (let k = at; k < at + term.length; k++) marked[k] = true;
        }
      }
      el.textContent = "";
      let start = 0;
      for (let k = 1; k <= text.length; k++) {
        if (k === text.length || marked[k] !== marked[start]) {
          const part = text.slice(start, k);
          if (marked[start]) { const m = document.createElement("mark"); m.textContent = part; el.appendChild(m); } else el.appendChild(document.createTextNode(part));
          start = k;
        }
      }
      if (marked.some(Boolean)) hits.push(i);
    });
    summary.textContent = "";
    if (terms.length === 0) return;
    const p = document.createElement("p");
    if (hits.length === 0) {
      p.textContent = `No line contains “${query.trim()}”.`;
    } else {
      p.appendChild(document.createTextNode(`${hits.length} ${hits.length === 1 ? "line contains" : "lines contain"} “${query.trim()}”: `));
      hits.forEach((i, n) => {
        if (n > 0) p.appendChild(document.createTextNode(", "));
        const a = document.createElement("a");
        a.href = `#${lines[i].id}`;
        a.textContent = timeOf(lines[i], i);
        p.appendChild(a);
      });
    }
    summary.appendChild(p);
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    search(input.value);
    const url = new URL(window.location.href);
    if (input.value.trim()) url.searchParams.set("q", input.value.trim()); else url.searchParams.delete("q");
    url.hash = "";
    window.history.replaceState(null, "", url);
  });
  // The static export has no server to answer ?q=, so the browser does it on load.
  const initial = new URLSearchParams(window.location.search).get("q");
  if (initial && !list.querySelector("mark")) search(initial);
})();
