// Coding page: select words, choose themes, "Code selection"; codes appear beside the lines.
// Live: the page joins the project's group on /hubs/project and, when told that events were
// appended, refetches this story's passages (the API applies the usual rules; the hub only says
// "something changed"). Without JavaScript the page's own forms do all of this with reloads.
(function () {
  "use strict";
  const root = document.querySelector(".coding");
  if (!root) return;
  const project = root.dataset.project, story = root.dataset.story, pageUrl = root.dataset.page;
  const token = document.querySelector("#coding-token input[name='__RequestVerificationToken']").value;
  const status = document.getElementById("coding-status");
  const panel = document.getElementById("selection-panel");
  const selectionText = document.getElementById("selection-text");
  const transcript = root.querySelector(".coding-transcript");
  const api = `/api/projects/${project}`;
  const svgNs = "http://www.w3.org/2000/svg";
  let selection = null;

  function say(text) { status.textContent = text; }
  function coder() { const c = root.dataset.coder; return c && c !== "all" ? c : null; }
  async function errorText(response, fallback) {
    try { const body = await response.json(); if (body.errors) return body.errors.map((x) => x.message).join(" "); } catch { /* plain message */ }
    return fallback;
  }
  async function send(method, url, body) {
    const options = { method, headers: { "RequestVerificationToken": token } };
    if (body !== undefined) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    return fetch(url, options);
  }

  // --- Selection -> character offsets (each visible line's text span carries data-offset) -----
  function offsetIn(span, node, offset) {
    const r = document.createRange();
    r.setStart(span, 0);
    r.setEnd(node, offset);
    return r.toString().length;
  }
  function readSelection() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    if (!transcript.contains(range.commonAncestorContainer)) return null;
    const spans = Array.from(transcript.querySelectorAll(".cue-text[data-offset]")).filter((s) => range.intersectsNode(s));
    if (spans.length === 0) return null;
    const first = spans[0], last = spans[spans.length - 1];
    const start = Number(first.dataset.offset) + (first.contains(range.startContainer) ? offsetIn(first, range.startContainer, range.startOffset) : 0);
    const end = Number(last.dataset.offset) + (last.contains(range.endContainer) ? offsetIn(last, range.endContainer, range.endOffset) : last.textContent.length);
    if (end <= start) return null;
    const withheld = Array.from(transcript.querySelectorAll(".withheld")).some((w) => range.intersectsNode(w));
    return { start, end, text: range.toString().trim(), withheld };
  }
  function onSelect() {
    const s = readSelection();
    if (!s) return; // a collapsed selection (e.g. clicking a checkbox) keeps the last one
    if (s.withheld) { say("Your selection includes words that are not shown, so it cannot be coded. Select only shown words."); return; }
    selection = s;
    selectionText.textContent = s.text.length > 200 ? s.text.slice(0, 197) + "…" : s.text;
    panel.hidden = false;
  }
  transcript.addEventListener("mouseup", () => setTimeout(onSelect, 0));
  transcript.addEventListener("keyup", () => setTimeout(onSelect, 0));
  transcript.addEventListener("touchend", () => setTimeout(onSelect, 0));
  document.addEventListener("selectionchange", () => { if (!panel.hidden) return; onSelect(); });

  function closePanel() {
    panel.hidden = true;
    selection = null;
    panel.querySelectorAll(".sel-theme").forEach((box) => { box.checked = false; });
  }
  document.getElementById("cancel-selection").addEventListener("click", closePanel);
  document.getElementById("code-selection").addEventListener("click", async () => {
    const themeIds = Array.from(panel.querySelectorAll(".sel-theme:checked")).map((box) => Number(box.value));
    if (!selection) { say("Select some words of the transcript first."); return; }
    if (themeIds.length === 0) { say("Choose at least one theme."); return; }
    try {
      const response = await send("POST", `${api}/stories/${story}/passages`, { startOffset: selection.start, endOffset: selection.end, themeIds });
      if (!response.ok) { say("Not coded: " + await errorText(response, "please try again.")); return; }
      closePanel();
      window.getSelection().removeAllRanges();
      say("Coded.");
      await refresh();
    } catch {
      say("Not coded: the connection was lost. Please try again.");
    }
  });

  // --- Removing a code: the same form works without JavaScript ---------------------------------
  root.addEventListener("submit", async (e) => {
    const form = e.target.closest("form.remove-code");
    if (!form) return;
    e.preventDefault();
    const passageId = form.querySelector("[name='passageId']").value, themeId = form.querySelector("[name='themeId']").value;
    try {
      const response = await send("DELETE", `${api}/passages/${passageId}/themes/${themeId}`);
      say(response.ok ? "The theme was removed from that passage." : "Not removed: " + await errorText(response, "please try again."));
      await refresh();
    } catch {
      say("Not removed: the connection was lost. Please try again.");
    }
  });

  // --- Drawing the passages beside the lines ----------------------------------------------------
  function swatch(color) {
    const svg = document.createElementNS(svgNs, "svg");
    svg.setAttribute("class", "swatch");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("width", "16"); svg.setAttribute("height", "16"); svg.setAttribute("viewBox", "0 0 16 16");
    const rect = document.createElementNS(svgNs, "rect");
    rect.setAttribute("width", "16"); rect.setAttribute("height", "16"); rect.setAttribute("rx", "3");
    rect.setAttribute("fill", color); rect.setAttribute("stroke", "#1d1d1b"); rect.setAttribute("stroke-width", "1");
    svg.appendChild(rect);
    return svg;
  }
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function hidden(name, value) {
    const input = document.createElement("input");
    input.type = "hidden"; input.name = name; input.value = value == null ? "" : value;
    return input;
  }
  const short = (t) => (t.length <= 120 ? t : t.slice(0, 117) + "…");
  function render(passages) {
    const lines = Array.from(transcript.querySelectorAll(".passage-list")).map((list) => {
      const span = list.closest("li.coding-cue").querySelector(".cue-text[data-offset]");
      const start = Number(span.dataset.offset);
      return { list, start, end: start + span.textContent.length };
    });
    lines.forEach((l) => l.list.replaceChildren());
    for (const p of passages) {
      const line = lines.find((l) => l.end > p.startOffset && l.start < p.endOffset);
      if (!line) continue;
      const item = el("li", "passage");
      item.dataset.passage = p.id;
      item.appendChild(el("q", "passage-snippet", short(p.snippet)));
      const themes = el("ul", "passage-themes");
      for (const t of p.themes) {
        const code = el("li", "code");
        code.append(swatch(t.color), " ", el("span", "code-theme", t.name), " ", el("span", "code-by", `by ${t.coderName || "someone"}`), " ");
        const form = el("form", "inline-form remove-code");
        form.method = "post";
        form.action = `${pageUrl}?handler=Remove`;
        form.append(hidden("passageId", p.id), hidden("themeId", t.themeId), hidden("coder", coder()), hidden("__RequestVerificationToken", token));
        const button = el("button", "link-button", "Remove ");
        button.type = "submit";
        button.appendChild(el("span", "visually-hidden", `${t.name} from “${short(p.snippet)}”`));
        form.appendChild(button);
        code.appendChild(form);
        themes.appendChild(code);
      }
      item.appendChild(themes);
      const memos = el("a", null, `Memos (${p.memoCount})`);
      memos.href = `${pageUrl}?passage=${p.id}${coder() ? "&coder=" + encodeURIComponent(coder()) : ""}#memos`;
      memos.appendChild(el("span", "visually-hidden", " on this passage"));
      item.appendChild(memos);
      line.list.appendChild(item);
    }
  }
  async function refreshCounts() {
    const response = await fetch(`${api}/theme-counts?storyId=${story}`);
    if (!response.ok) return;
    for (const c of await response.json()) {
      const row = document.querySelector(`.theme-counts tr[data-theme='${c.themeId}']`);
      if (!row) continue;
      row.querySelector("[data-count='inStory']").textContent = c.inStory;
      row.querySelector("[data-count='passages']").textContent = c.passages;
      row.querySelector("[data-count='stories']").textContent = c.stories;
    }
  }
  async function refresh() {
    const c = coder();
    const response = await fetch(`${api}/stories/${story}/passages${c ? "?coder=" + encodeURIComponent(c) : ""}`);
    if (response.ok) render(await response.json());
    await refreshCounts();
  }

  // --- Live updates -------------------------------------------------------------------------------
  if (window.signalR) {
    const connection = new window.signalR.HubConnectionBuilder().withUrl("/hubs/project").withAutomaticReconnect().build();
    connection.on("eventsAppended", (message) => {
      if (!message.storyId || String(message.storyId) === story) refresh(); else refreshCounts();
    });
    // After a reconnect the group membership is gone and changes may have been missed: join again and refetch.
    connection.onreconnected(() => connection.invoke("JoinProject", Number(project)).then(refresh));
    connection.onclose(() => { root.dataset.live = "off"; say("Live updates stopped. Reload the page to see the team's newest coding."); });
    connection.start()
      .then(() => connection.invoke("JoinProject", Number(project)))
      .then(() => { root.dataset.live = "on"; })
      .catch(() => { root.dataset.live = "off"; });
  }
})();
