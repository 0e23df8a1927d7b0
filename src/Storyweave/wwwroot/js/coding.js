// Coding page, in the manner of the QDA tools people know (NVivo, MAXQDA, ATLAS.ti, Taguette):
// - Select words with the mouse, by touch, or with the keyboard (the transcript is a caret area: arrows move,
//   Shift+arrows select, L selects the line). When the selection ends (mouse up; a touch selection that has
//   settled; C or Enter) a theme chooser opens below, above or beside it, never over it (a bottom sheet on
//   phones). The selection stays painted while the chooser has focus. Type to filter; recent themes come
//   first; Enter codes; a theme that does not exist yet can be created there.
// - Coded passages are painted in the text: one stripe per theme, stacked where passages overlap, each with a
//   dark line (a cue without colour). Click or Enter on them shows their themes and memos, to remove a theme,
//   add themes or write a memo.
// - Live: the page joins the project's group on /hubs/project and, when told that events were appended,
//   refetches this story's passages through the API (which applies consent: withheld turns never come back).
// Without JavaScript the page's own forms do all of this with reloads ("Code this line", Remove).
(function () {
  "use strict";
  const root = document.querySelector(".coding");
  if (!root) return;
  const project = root.dataset.project, story = root.dataset.story, pageUrl = root.dataset.page;
  const canCreate = root.dataset.canCreate === "true";
  const removeForm = document.getElementById("coding-remove");
  const token = removeForm.querySelector("input[name='__RequestVerificationToken']").value;
  const status = document.getElementById("coding-status");
  const transcript = root.querySelector(".coding-transcript");
  const api = `/api/projects/${project}`;
  const svgNs = "http://www.w3.org/2000/svg";
  const narrow = window.matchMedia("(max-width: 40rem), (pointer: coarse)");
  const recentKey = `storyweave.recent-themes.${project}`;
  const themes = JSON.parse(document.getElementById("coding-themes").textContent);
  let passages = []; // read from the API at start and after every change (consent applied there)

  // The visible lines, with their own text (the DOM inside each is rewritten by the highlights).
  const allLines = Array.from(transcript.querySelectorAll("li.coding-cue")); // line numbers count withheld lines too, as the page does
  const lines = Array.from(transcript.querySelectorAll(".cue-text[data-offset]")).map((span) => {
    const start = Number(span.dataset.offset), li = span.closest("li.coding-cue");
    return { span, start, end: start + span.textContent.length, text: span.textContent, number: allLines.indexOf(li) + 1, li };
  });
  // Only with script is the transcript a place to type keys in.
  transcript.tabIndex = 0;

  // --- Small helpers ------------------------------------------------------------------------------
  function say(text) { status.textContent = ""; setTimeout(() => { status.textContent = text; }, 30); }
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
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function hiddenText(text) { return el("span", "visually-hidden", text); }
  const short = (t, n) => { const s = t.replace(/\s+/g, " ").trim(); const max = n || 120; return s.length <= max ? s : s.slice(0, max - 3) + "…"; };
  const safeColor = (c) => (/^#[0-9a-f]{6}$/i.test(c || "") ? c : "#4a4a46");
  function tint(hex) {
    const n = parseInt(safeColor(hex).slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, 0.16)`;
  }
  function swatch(color) {
    const svg = document.createElementNS(svgNs, "svg");
    svg.setAttribute("class", "swatch");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("width", "16"); svg.setAttribute("height", "16"); svg.setAttribute("viewBox", "0 0 16 16");
    const rect = document.createElementNS(svgNs, "rect");
    rect.setAttribute("width", "16"); rect.setAttribute("height", "16"); rect.setAttribute("rx", "3");
    rect.setAttribute("fill", safeColor(color)); rect.setAttribute("stroke", "#1d1d1b"); rect.setAttribute("stroke-width", "1");
    svg.appendChild(rect);
    return svg;
  }
  function time(s) {
    if (s == null) return "";
    const t = Math.floor(s), h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = String(t % 60).padStart(2, "0");
    return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
  }
  const norm = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

  // --- Offsets <-> the DOM ------------------------------------------------------------------------
  function lineAt(offset) { return lines.find((l) => offset >= l.start && offset <= l.end) || null; }
  function lineOfNode(node) { return lines.find((l) => l.span === node || l.span.contains(node)) || null; }
  function domPoint(offset) {
    const l = lineAt(offset);
    if (!l) return null;
    let left = offset - l.start, last = null, node;
    const walker = document.createTreeWalker(l.span, NodeFilter.SHOW_TEXT);
    while ((node = walker.nextNode())) {
      if (left <= node.data.length) return { node, offset: left };
      left -= node.data.length;
      last = node;
    }
    return last ? { node: last, offset: last.data.length } : { node: l.span, offset: 0 };
  }
  function offsetOf(node, offset) {
    const l = lineOfNode(node);
    if (!l) return null;
    const r = document.createRange();
    r.setStart(l.span, 0);
    r.setEnd(node, offset);
    return l.start + r.toString().length;
  }
  function rangeOf(start, end) {
    const a = domPoint(start), b = domPoint(end);
    if (!a || !b) return null;
    const r = document.createRange();
    r.setStart(a.node, a.offset);
    r.setEnd(b.node, b.offset);
    return r;
  }
  // A selection's words, trimmed of spaces at either end; null when it holds none.
  function trimmed(start, end) {
    const text = plainText(start, end);
    const lead = text.length - text.trimStart().length, tail = text.length - text.trimEnd().length;
    if (lead + tail >= text.length) return null;
    return { start: start + lead, end: end - tail, text: text.trim() };
  }
  // The words between two offsets as the server sees them (lines joined by "\n"); withheld lines are not known here.
  function plainText(start, end) {
    const parts = [];
    for (const l of lines) {
      if (l.end < start || l.start > end) continue;
      parts.push(l.text.slice(Math.max(0, start - l.start), Math.max(0, end - l.start)));
    }
    return parts.join("\n");
  }
  function crossesWithheld(start, end) {
    const r = rangeOf(start, end);
    return !!r && Array.from(transcript.querySelectorAll(".withheld")).some((w) => r.intersectsNode(w));
  }
  // The document selection inside the transcript as offsets, or null.
  function readSelection() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    if (!transcript.contains(range.commonAncestorContainer) && range.commonAncestorContainer !== transcript) return null;
    const inside = lines.filter((l) => range.intersectsNode(l.span));
    if (inside.length === 0) return null;
    const first = inside[0], last = inside[inside.length - 1];
    const start = first.span.contains(range.startContainer) ? offsetOf(range.startContainer, range.startOffset) : first.start;
    const end = last.span.contains(range.endContainer) ? offsetOf(range.endContainer, range.endOffset) : last.end;
    if (start == null || end == null || end <= start) return null;
    const t = trimmed(start, end);
    if (!t) return null;
    t.withheld = Array.from(transcript.querySelectorAll(".withheld")).some((w) => range.intersectsNode(w));
    return t;
  }
  let lastSet = null; // the selection this script made itself, so selectionchange can tell it apart
  function select(start, end) {
    const a = domPoint(start), b = domPoint(end);
    if (!a || !b) return;
    lastSet = { start: Math.min(start, end), end: Math.max(start, end) };
    window.getSelection().setBaseAndExtent(a.node, a.offset, b.node, b.offset);
  }

  // --- Painting the passages in the text ----------------------------------------------------------
  let pending = null;         // the words waiting for themes while the chooser is open
  let activeIds = [];         // the passages whose card is open
  const maxStripes = 4;
  function stripes(mark, over) {
    const colours = [];
    for (const p of over) for (const t of p.themes) colours.push(safeColor(t.color));
    const shown = colours.slice(0, maxStripes);
    const images = [], sizes = [], places = [];
    shown.forEach((c, i) => {
      const y = i * 5;
      images.push(`linear-gradient(${c}, ${c})`, "linear-gradient(#1d1d1b, #1d1d1b)");
      sizes.push("100% 3px", "100% 1px");
      places.push(`0 calc(100% - ${y + 1}px)`, `0 calc(100% - ${y}px)`);
    });
    images.push(`linear-gradient(${tint(shown[0])}, ${tint(shown[0])})`);
    sizes.push("100% 100%");
    places.push("0 0");
    // CSSOM, not a style attribute: the Content-Security-Policy allows this.
    mark.style.backgroundImage = images.join(", ");
    mark.style.backgroundSize = sizes.join(", ");
    mark.style.backgroundPosition = places.join(", ");
    mark.style.setProperty("--hl-pad", `${shown.length * 5}px`);
    mark.dataset.stripes = String(shown.length);
  }
  function paint() {
    for (const l of lines) {
      const over = passages.filter((p) => p.startOffset < l.end && p.endOffset > l.start);
      const pend = pending && pending.start < l.end && pending.end > l.start;
      if (over.length === 0 && !pend) {
        if (l.span.childNodes.length !== 1 || l.span.firstChild.nodeType !== Node.TEXT_NODE) l.span.textContent = l.text;
        continue;
      }
      const cuts = new Set([0, l.text.length]);
      const clip = (o) => Math.min(l.text.length, Math.max(0, o - l.start));
      for (const p of over) { cuts.add(clip(p.startOffset)); cuts.add(clip(p.endOffset)); }
      if (pend) { cuts.add(clip(pending.start)); cuts.add(clip(pending.end)); }
      const points = Array.from(cuts).sort((a, b) => a - b);
      const fragment = document.createDocumentFragment();
      for (let i = 0; i < points.length - 1; i++) {
        const a = points[i], b = points[i + 1];
        if (a === b) continue;
        const text = l.text.slice(a, b), ga = l.start + a, gb = l.start + b;
        const here = over.filter((p) => p.startOffset <= ga && p.endOffset >= gb);
        const inPending = pend && pending.start <= ga && pending.end >= gb;
        if (here.length === 0 && !inPending) { fragment.append(text); continue; }
        const mark = el("mark", here.length ? "hl" : "", text);
        if (here.length) {
          mark.dataset.passages = here.map((p) => p.id).join(" ");
          stripes(mark, here);
          if (here.some((p) => activeIds.includes(p.id))) mark.classList.add("active");
        }
        if (inPending) mark.classList.add("pending");
        fragment.append(mark);
      }
      l.span.replaceChildren(fragment);
    }
  }

  // --- The codes beside each line (the same as the server writes, plus "Themes and memos") ----------
  function render() {
    const containers = new Map(lines.map((l) => [l, l.li.querySelector(".cue-codes")]));
    containers.forEach((box) => { if (box) box.querySelectorAll(".passage-list").forEach((x) => x.remove()); });
    const lists = new Map();
    for (const p of passages) {
      const line = lines.find((l) => l.end > p.startOffset && l.start < p.endOffset);
      const box = line && containers.get(line);
      if (!box) continue;
      let list = lists.get(line);
      if (!list) {
        list = el("ul", "passage-list");
        list.setAttribute("aria-label", `Codes on line ${line.number}`);
        box.prepend(list);
        lists.set(line, list);
      }
      const item = el("li", "passage");
      item.dataset.passage = p.id;
      item.appendChild(el("q", "passage-snippet", short(p.snippet, 100)));
      const list2 = el("ul", "passage-themes");
      for (const t of p.themes) {
        const code = el("li", "code");
        code.append(swatch(t.color), " ", el("span", "code-theme", t.name), " ", el("span", "code-by", `by ${t.coderName || "someone"}`), " ");
        const button = el("button", "link-button", "Remove ");
        button.type = "submit";
        button.setAttribute("form", "coding-remove");
        button.name = "code";
        button.value = `${p.id}:${t.themeId}`;
        button.appendChild(hiddenText(`${t.name} from “${short(p.snippet, 32)}”`));
        code.appendChild(button);
        list2.appendChild(code);
      }
      item.appendChild(list2);
      const open = el("button", "link-button card-open", "Themes and memos");
      open.type = "button";
      open.dataset.open = p.id;
      open.appendChild(hiddenText(` for “${short(p.snippet, 60)}”`));
      const memos = el("a", null, `Memos (${p.memoCount})`);
      memos.href = `${pageUrl}?passage=${p.id}${coder() ? "&coder=" + encodeURIComponent(coder()) : ""}#memos`;
      memos.appendChild(hiddenText(" on this passage"));
      item.append(open, " ", memos);
      list.appendChild(item);
    }
  }
  function redraw() {
    const keep = !chooser.hidden || !card.hidden ? null : readSelection();
    render();
    paint();
    if (keep) select(keep.start, keep.end);
    drawCaret();
  }

  // --- Keyboard caret -------------------------------------------------------------------------------
  let kb = null; // { anchor, focus } as offsets
  const caret = el("span", "kb-caret");
  caret.setAttribute("aria-hidden", "true");
  caret.hidden = true;
  root.appendChild(caret);
  function drawCaret() {
    if (!kb || kb.anchor !== kb.focus || document.activeElement !== transcript) { caret.hidden = true; return; }
    const point = domPoint(kb.focus);
    if (!point) { caret.hidden = true; return; }
    const r = document.createRange();
    r.setStart(point.node, point.offset);
    r.collapse(true);
    let rect = r.getClientRects()[0];
    if (!rect) { const line = lineAt(kb.focus).span.getBoundingClientRect(); rect = { left: line.left, top: line.top, height: line.height }; }
    const base = root.getBoundingClientRect();
    caret.style.left = `${rect.left - base.left}px`;
    caret.style.top = `${rect.top - base.top}px`;
    caret.style.height = `${Math.max(rect.height, 16)}px`;
    caret.hidden = false;
  }
  function showKb() {
    if (!kb) return;
    if (kb.anchor === kb.focus) {
      const p = domPoint(kb.focus);
      lastSet = null;
      if (p) window.getSelection().collapse(p.node, p.offset);
    } else {
      select(kb.anchor, kb.focus);
    }
    drawCaret();
    const p = domPoint(kb.focus);
    if (p) {
      const r = document.createRange();
      r.setStart(p.node, p.offset);
      r.collapse(true);
      const rect = r.getClientRects()[0] || lineAt(kb.focus).span.getBoundingClientRect();
      if (rect.bottom > window.innerHeight - 16) window.scrollBy(0, rect.bottom - window.innerHeight + 64);
      else if (rect.top < 16) window.scrollBy(0, rect.top - 64);
    }
  }
  const isWord = (ch) => /[\p{L}\p{N}'’-]/u.test(ch);
  function wordRight(o) {
    const l = lineAt(o), i0 = o - l.start, t = l.text;
    if (i0 >= t.length) { const next = lines[lines.indexOf(l) + 1]; return next ? next.start : o; }
    let i = i0;
    while (i < t.length && isWord(t[i])) i++;
    while (i < t.length && !isWord(t[i])) i++;
    return l.start + i;
  }
  function wordLeft(o) {
    const l = lineAt(o), t = l.text;
    let i = o - l.start;
    if (i <= 0) { const prev = lines[lines.indexOf(l) - 1]; return prev ? prev.end : o; }
    while (i > 0 && !isWord(t[i - 1])) i--;
    while (i > 0 && isWord(t[i - 1])) i--;
    return l.start + i;
  }
  let announceTimer = null, lastLine = null;
  function announceKb() {
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
      if (!kb) return;
      const l = lineAt(kb.focus);
      if (kb.anchor !== kb.focus) {
        const t = trimmed(Math.min(kb.anchor, kb.focus), Math.max(kb.anchor, kb.focus));
        if (t) say(`Selected: “${short(t.text, 100)}”. Press C to code it.`);
      } else if (l && l !== lastLine) {
        const speaker = l.li.querySelector(".cue-speaker");
        say(`Line ${l.number}, ${speaker ? speaker.textContent : ""} ${short(l.text, 100)}`);
      }
      lastLine = l;
    }, 350);
  }
  function passagesAt(offset) { return passages.filter((p) => p.startOffset <= offset && p.endOffset > offset); }

  transcript.addEventListener("focus", () => {
    if (pointerDown) return; // a click places the caret itself
    if (!kb && lines.length) kb = { anchor: lines[0].start, focus: lines[0].start };
    showKb();
  });
  transcript.addEventListener("blur", () => { caret.hidden = true; });
  transcript.addEventListener("keydown", (e) => {
    if (e.target !== transcript || lines.length === 0 || e.metaKey) return;
    if (!kb) kb = { anchor: lines[0].start, focus: lines[0].start };
    const l = lineAt(kb.focus) || lines[0];
    const i = lines.indexOf(l);
    const word = e.ctrlKey || e.altKey;
    let to = null;
    switch (e.key) {
      case "ArrowRight": to = word ? wordRight(kb.focus) : kb.focus < l.end ? kb.focus + 1 : lines[i + 1] ? lines[i + 1].start : kb.focus; break;
      case "ArrowLeft": to = word ? wordLeft(kb.focus) : kb.focus > l.start ? kb.focus - 1 : i > 0 ? lines[i - 1].end : kb.focus; break;
      case "ArrowDown": to = lines[i + 1] ? Math.min(lines[i + 1].start + (kb.focus - l.start), lines[i + 1].end) : l.end; break;
      case "ArrowUp": to = i > 0 ? Math.min(lines[i - 1].start + (kb.focus - l.start), lines[i - 1].end) : l.start; break;
      case "Home": to = l.start; break;
      case "End": to = l.end; break;
      default: break;
    }
    if (to !== null) {
      e.preventDefault();
      kb = e.shiftKey ? { anchor: kb.anchor, focus: to } : { anchor: to, focus: to };
      showKb();
      announceKb();
      return;
    }
    if (e.ctrlKey || e.altKey) return;
    const key = e.key.toLowerCase();
    if (key === "l") {
      e.preventDefault();
      kb = { anchor: l.start, focus: l.end };
      showKb();
      announceKb();
    } else if (key === "c" || e.key === "Enter") {
      e.preventDefault();
      if (kb.anchor !== kb.focus) {
        const t = trimmed(Math.min(kb.anchor, kb.focus), Math.max(kb.anchor, kb.focus));
        if (!t) { say("Select some words first: hold Shift and use the arrow keys."); return; }
        if (crossesWithheld(t.start, t.end)) { say("Your selection includes words that are not shown, so it cannot be coded. Select only shown words."); return; }
        openChooser(t, "keyboard");
      } else if (e.key === "Enter" && passagesAt(kb.focus).length) {
        openCard(passagesAt(kb.focus).map((p) => p.id), null, null);
      } else {
        say("Select some words first: hold Shift and use the arrow keys, or press L for the whole line.");
      }
    } else if (e.key === "Escape") {
      kb = { anchor: kb.focus, focus: kb.focus };
      showKb();
    }
  });

  // --- Mouse and touch ------------------------------------------------------------------------------
  let pointerDown = false, needsRedraw = false;
  transcript.addEventListener("mousedown", (e) => { if (e.button === 0) pointerDown = true; });
  document.addEventListener("mouseup", (e) => {
    if (!pointerDown) return;
    pointerDown = false;
    const target = e.target;
    setTimeout(() => afterPointer(target), 0);
  });
  function afterPointer(target) {
    const s = readSelection();
    if (needsRedraw) { needsRedraw = false; redraw(); }
    if (s) {
      if (s.withheld) { say("Your selection includes words that are not shown, so it cannot be coded. Select only shown words."); return; }
      kb = { anchor: s.start, focus: s.end };
      openChooser(s, "pointer");
      return;
    }
    const mark = target instanceof Element ? target.closest("mark.hl") : null;
    if (mark && transcript.contains(mark)) { openCard(mark.dataset.passages.split(" ").map(Number), mark, null); return; }
    const sel = window.getSelection();
    if (sel.rangeCount && lineOfNode(sel.anchorNode)) {
      const o = offsetOf(sel.anchorNode, sel.anchorOffset);
      if (o != null) kb = { anchor: o, focus: o };
      drawCaret();
    }
  }
  // Touch (and any selection made without our own mouse or keys): open the chooser once the selection
  // has stopped changing, so the selection handles can still be dragged first.
  let settleTimer = null;
  document.addEventListener("selectionchange", () => {
    if (pointerDown) return;
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => {
      if (!chooser.hidden || !card.hidden) return;
      const s = readSelection();
      if (!s || s.withheld) return;
      if (lastSet && s.start === lastSet.start && s.end === lastSet.end) return;
      if (document.activeElement === transcript && kb && kb.anchor !== kb.focus) return; // keyboard: C opens it
      kb = { anchor: s.start, focus: s.end };
      openChooser(s, "touch");
    }, 700);
  });
  // "Code this line" and "Themes and memos": the same chooser and card, for one line or passage.
  root.addEventListener("click", (e) => {
    const link = e.target.closest("a.code-line");
    if (link) {
      const l = lines.find((x) => x.li.contains(link));
      if (!l) return;
      e.preventDefault();
      kb = { anchor: l.start, focus: l.end };
      openChooser({ start: l.start, end: l.end, text: l.text }, "line", link);
      return;
    }
    const open = e.target.closest("button.card-open");
    if (open) openCard([Number(open.dataset.open)], null, Number(open.dataset.open));
  });
  window.addEventListener("resize", () => {
    if (!chooser.hidden && pending) place(chooser, rangeOf(pending.start, pending.end));
    drawCaret();
  });

  // --- Popups: placed beside or below the words, never over them ---------------------------------
  function union(rects) {
    const list = Array.from(rects).filter((r) => r.width > 0 || r.height > 0);
    if (list.length === 0) return null;
    return {
      left: Math.min(...list.map((r) => r.left)), right: Math.max(...list.map((r) => r.right)),
      top: Math.min(...list.map((r) => r.top)), bottom: Math.max(...list.map((r) => r.bottom)), last: list[list.length - 1],
    };
  }
  function place(pop, range) {
    pop.classList.remove("as-sheet");
    document.body.classList.remove("has-sheet");
    pop.style.left = "";
    pop.style.top = "";
    const box = range ? union(range.getClientRects()) : null;
    if (narrow.matches) {
      pop.classList.add("as-sheet");
      document.body.classList.add("has-sheet");
      if (box) {
        const sheetTop = window.innerHeight - pop.offsetHeight;
        if (box.last.bottom > sheetTop - 8) window.scrollBy(0, box.last.bottom - sheetTop + 16);
        else if (box.top < 0) window.scrollBy(0, box.top - 16);
      }
      return;
    }
    const base = root.getBoundingClientRect();
    const vw = document.documentElement.clientWidth, vh = window.innerHeight, gap = 8, w = pop.offsetWidth, h = pop.offsetHeight;
    const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
    const b = box || { left: base.left, right: base.left, top: 0, bottom: 0, last: { left: base.left } };
    let left = clamp(b.last.left, 8, vw - w - 8), top;
    if (b.bottom + gap + h <= vh) top = b.bottom + gap;
    else if (b.top - gap - h >= 0) top = b.top - gap - h;
    else if (vw - b.right - gap >= w + 8) { left = b.right + gap; top = clamp(b.top, 8, vh - h - 8); }
    else if (b.left - gap >= w + 8) { left = b.left - gap - w; top = clamp(b.top, 8, vh - h - 8); }
    else top = b.bottom + gap;
    pop.style.left = `${left - base.left}px`;
    pop.style.top = `${top - base.top}px`;
    const after = pop.getBoundingClientRect();
    if (after.bottom > vh) window.scrollBy(0, after.bottom - vh + 8);
  }
  function popup(className, titleId) {
    const pop = el("section", `coding-pop ${className}`);
    pop.hidden = true;
    pop.setAttribute("role", "dialog");
    pop.setAttribute("aria-labelledby", titleId);
    root.appendChild(pop);
    return pop;
  }

  // --- The theme chooser ----------------------------------------------------------------------------
  const chooser = popup("theme-chooser", "chooser-title");
  const chooserTitle = el("h2", null, "Code the selection");
  chooserTitle.id = "chooser-title";
  chooserTitle.tabIndex = -1;
  const filterLabel = el("label", null, canCreate ? "Find a theme, or type a new one" : "Find a theme");
  filterLabel.htmlFor = "chooser-filter";
  const filter = el("input");
  filter.type = "text";
  filter.id = "chooser-filter";
  filter.autocomplete = "off";
  filter.setAttribute("aria-describedby", "chooser-help chooser-count");
  const help = el("p", "hint", "Enter codes with the first theme listed and any you tick. ↓ moves into the list; Esc closes.");
  help.id = "chooser-help";
  const count = el("p", "hint");
  count.id = "chooser-count";
  count.setAttribute("aria-live", "polite");
  const list = el("ul", "theme-options");
  list.id = "chooser-list";
  list.setAttribute("aria-label", "Themes");
  const createButton = el("button", "secondary", "");
  createButton.type = "button";
  createButton.hidden = true;
  const message = el("p", "withheld");
  message.setAttribute("role", "alert");
  const actions = el("div", "actions");
  const codeButton = el("button", null, "Code");
  codeButton.type = "button";
  const cancelButton = el("button", "secondary", "Cancel");
  cancelButton.type = "button";
  actions.append(codeButton, cancelButton);
  chooser.append(chooserTitle, filterLabel, filter, help, count, list, createButton, message, actions);

  const items = [];
  function addItem(t) {
    const li = el("li", `depth-${Math.min(t.depth || 0, 4)}`);
    const box = el("input");
    box.type = "checkbox";
    box.id = `choose-theme-${t.id}`;
    box.value = t.id;
    const label = el("label");
    label.htmlFor = box.id;
    const tag = el("span", "recent-tag", "(recent)");
    tag.hidden = true;
    label.append(swatch(t.color), el("span", null, t.name), " ", tag);
    li.append(box, label);
    const item = { theme: t, li, box, tag, key: norm(t.name) };
    items.push(item);
    return item;
  }
  themes.forEach(addItem);
  function recent() { try { return JSON.parse(localStorage.getItem(recentKey) || "[]").map(Number); } catch { return []; } }
  function remember(ids) {
    try { localStorage.setItem(recentKey, JSON.stringify(ids.concat(recent().filter((x) => !ids.includes(x))).slice(0, 6))); } catch { /* private mode */ }
  }
  function orderItems() {
    const r = recent();
    const first = r.map((id) => items.find((i) => i.theme.id === id)).filter(Boolean);
    const rest = items.filter((i) => !first.includes(i));
    list.replaceChildren(...first.concat(rest).map((i) => i.li));
    for (const i of items) {
      const isRecent = first.includes(i);
      i.tag.hidden = !isRecent;
      i.li.className = isRecent ? "" : `depth-${Math.min(i.theme.depth || 0, 4)}`;
    }
  }
  function visibleItems() { return Array.from(list.children).map((li) => items.find((i) => i.li === li)).filter((i) => !i.li.hidden); }
  function applyFilter() {
    const q = norm(filter.value.trim());
    for (const i of items) {
      i.li.hidden = q.length > 0 && !i.key.includes(q);
      i.li.classList.remove("first-match");
      if (q) i.li.className = ""; // a filtered list is flat
    }
    if (!q) orderItems();
    const shown = visibleItems();
    if (q && shown.length) shown[0].li.classList.add("first-match");
    const exact = items.some((i) => i.key === q);
    createButton.hidden = !(canCreate && q.length > 0 && !exact);
    createButton.textContent = `Create the theme “${filter.value.trim()}” and code`;
    count.textContent = !q ? (items.length ? "" : "The codebook has no themes yet.") : shown.length === 0 ? "No theme matches." : shown.length === 1 ? "1 theme matches." : `${shown.length} themes match.`;
  }
  filter.addEventListener("input", applyFilter);

  let target = null, opener = null;
  function openChooser(words, how, from) {
    clearTimeout(announceTimer); // a caret announcement still waiting must not talk over what happens next
    closeCard(false);
    target = words;
    opener = from || null;
    pending = { start: words.start, end: words.end };
    paint();
    window.getSelection().removeAllRanges();
    chooserTitle.textContent = `Code “${short(words.text, 60)}”`;
    filter.value = "";
    message.textContent = "";
    for (const i of items) i.box.checked = false;
    applyFilter();
    chooser.hidden = false;
    place(chooser, rangeOf(pending.start, pending.end));
    filter.focus({ preventScroll: true });
    chooser.dataset.openedBy = how;
  }
  function closeChooser(restore) {
    if (chooser.hidden) return;
    chooser.hidden = true;
    document.body.classList.remove("has-sheet");
    const was = target;
    pending = null;
    target = null;
    paint();
    if (opener && document.contains(opener)) { opener.focus(); opener = null; return; }
    transcript.focus({ preventScroll: true });
    if (restore && was) { kb = { anchor: was.start, focus: was.end }; showKb(); }
    else drawCaret();
  }
  function chosenIds(includeFirst) {
    const ids = items.filter((i) => i.box.checked).map((i) => i.theme.id);
    if (includeFirst && ids.length === 0) {
      const first = visibleItems()[0];
      if (first && filter.value.trim()) ids.push(first.theme.id);
    }
    return ids;
  }
  async function codeWith(ids) {
    if (!target) return;
    if (ids.length === 0) { message.textContent = "Choose at least one theme: tick it, or type part of its name."; return; }
    const words = target;
    let response;
    try {
      response = await send("POST", `${api}/stories/${story}/passages`, { startOffset: words.start, endOffset: words.end, themeIds: ids });
    } catch {
      message.textContent = "Not coded: the connection to Storyweave was lost. Check your connection, then try again.";
      return;
    }
    if (!response.ok) { message.textContent = "Not coded: " + await errorText(response, "Storyweave could not save it."); return; }
    remember(ids);
    const names = ids.map((id) => (themes.find((t) => t.id === id) || { name: "a theme" }).name);
    closeChooser(false); // focus goes back where the chooser was opened from: the transcript, or "Code this line"
    kb = { anchor: words.end, focus: words.end };
    await refresh();
    if (document.activeElement === transcript) showKb();
    say(`Coded with ${names.join(", ")}.`);
  }
  const palette = ["#1f5c4a", "#a4161a", "#1d4e89", "#7a4a00", "#6a2c70", "#00606b", "#8a3b12", "#4b5b0f"];
  function nextColour() {
    const used = themes.map((t) => (t.color || "").toLowerCase());
    return palette.find((c) => !used.includes(c)) || palette[themes.length % palette.length];
  }
  async function createAndCode() {
    const name = filter.value.trim();
    if (!name) return;
    let response;
    try {
      response = await send("POST", `${api}/codebook/themes`, { name, color: nextColour() });
    } catch {
      message.textContent = "Not created: the connection to Storyweave was lost. Check your connection, then try again.";
      return;
    }
    if (!response.ok) { message.textContent = "Not created: " + await errorText(response, "Storyweave could not add the theme."); return; }
    const id = (await response.json()).themeIds[0];
    const theme = { id, name, color: nextColour(), depth: 0, parentId: null };
    themes.push(theme);
    addItem(theme).box.checked = true;
    await codeWith(chosenIds(false));
  }
  createButton.addEventListener("click", createAndCode);
  codeButton.addEventListener("click", () => codeWith(chosenIds(true)));
  cancelButton.addEventListener("click", () => closeChooser(true));
  chooser.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { e.preventDefault(); closeChooser(true); return; }
    const boxes = visibleItems().map((i) => i.box);
    if (e.target === filter) {
      if (e.key === "ArrowDown" && boxes.length) { e.preventDefault(); boxes[0].focus(); }
      else if (e.key === "Enter") {
        e.preventDefault();
        if (!createButton.hidden && boxes.length === 0) createAndCode(); else codeWith(chosenIds(true));
      }
      return;
    }
    const at = boxes.indexOf(e.target);
    if (at < 0) return;
    if (e.key === "ArrowDown") { e.preventDefault(); (boxes[at + 1] || boxes[at]).focus(); }
    else if (e.key === "ArrowUp") { e.preventDefault(); (at > 0 ? boxes[at - 1] : filter).focus(); }
    else if (e.key === "Enter") {
      e.preventDefault();
      if (!items.some((i) => i.box.checked)) e.target.checked = true;
      codeWith(chosenIds(false));
    }
  });

  // --- The passage card: themes, memos ---------------------------------------------------------------
  const card = popup("passage-card", "card-title");
  let cardOpener = null; // the passage id whose "Themes and memos" button opened the card (buttons are redrawn on refresh)
  function closeCard(returnFocus) {
    if (card.hidden) return;
    card.hidden = true;
    document.body.classList.remove("has-sheet");
    activeIds = [];
    paint();
    const back = cardOpener != null ? root.querySelector(`button.card-open[data-open="${cardOpener}"]`) : null;
    cardOpener = null;
    if (returnFocus === false) return;
    if (back) back.focus();
    else { transcript.focus({ preventScroll: true }); drawCaret(); }
  }
  function memoItem(m) {
    const li = el("li", null, m.text);
    li.appendChild(el("span", "meta", ` (${m.authorName || "someone"})`));
    return li;
  }
  async function loadMemos(p, listNode) {
    try {
      const response = await fetch(`${api}/memos?targetType=passage&targetId=${p.id}`);
      if (!response.ok) { listNode.replaceChildren(el("li", null, "The memos could not be loaded.")); return; }
      const memos = await response.json();
      listNode.replaceChildren(...(memos.length ? memos.map(memoItem) : [el("li", "hint", "No memos yet.")]));
    } catch {
      listNode.replaceChildren(el("li", null, "The memos could not be loaded: the connection was lost."));
    }
  }
  function cardPassage(p) {
    const box = el("article", "card-passage");
    box.dataset.passage = p.id;
    const quote = el("blockquote", null, short(p.snippet, 240));
    const meta = el("p", "meta", [p.speaker, p.startSeconds != null ? time(p.startSeconds) : ""].filter(Boolean).join(", "));
    const codes = el("ul", "passage-themes");
    codes.setAttribute("aria-label", "Themes of this passage");
    for (const t of p.themes) {
      const li = el("li", "code");
      li.append(swatch(t.color), " ", el("span", "code-theme", t.name), " ", el("span", "code-by", `by ${t.coderName || "someone"}`), " ");
      const remove = el("button", "link-button", "Remove ");
      remove.type = "button";
      remove.appendChild(hiddenText(`${t.name} from this passage`));
      remove.addEventListener("click", async () => {
        const ok = await removeCode(p.id, t.themeId, t.name);
        if (!ok) return;
        const left = activeIds.filter((id) => passages.some((x) => x.id === id));
        if (left.length) openCard(left, null); else closeCard();
      });
      li.appendChild(remove);
      codes.appendChild(li);
    }
    const add = el("button", "secondary", "Add themes");
    add.type = "button";
    add.appendChild(hiddenText(" to this passage"));
    add.addEventListener("click", () => {
      closeCard(false);
      kb = { anchor: p.startOffset, focus: p.endOffset };
      openChooser({ start: p.startOffset, end: p.endOffset, text: p.snippet }, "card");
    });
    const memoTitle = el("h3", null, "Memos");
    const memos = el("ul", "card-memos");
    memos.appendChild(el("li", "hint", "Loading…"));
    const label = el("label", null, "Add a memo about this passage");
    const area = el("textarea");
    area.id = `card-memo-${p.id}`;
    area.rows = 3;
    area.maxLength = 20000;
    label.htmlFor = area.id;
    const save = el("button", null, "Save memo");
    save.type = "button";
    save.addEventListener("click", async () => {
      let response;
      try {
        response = await send("POST", `${api}/memos?targetType=passage&targetId=${p.id}`, { text: area.value });
      } catch {
        say("Memo not saved: the connection was lost. Your words are still in the box.");
        return;
      }
      if (!response.ok) { say("Memo not saved: " + await errorText(response, "Storyweave could not save it.")); return; }
      area.value = "";
      say("Memo saved.");
      await loadMemos(p, memos);
      await refresh();
    });
    const all = el("a", null, "Change or delete memos");
    all.href = `${pageUrl}?passage=${p.id}${coder() ? "&coder=" + encodeURIComponent(coder()) : ""}#memos`;
    const row = el("div", "actions");
    row.append(add);
    box.append(quote, meta, codes, row, memoTitle, memos, label, area, save, " ", all);
    loadMemos(p, memos);
    return box;
  }
  function openCard(ids, mark, from) {
    const shown = ids.map((id) => passages.find((p) => p.id === id)).filter(Boolean);
    if (shown.length === 0) return;
    clearTimeout(announceTimer);
    if (!chooser.hidden) closeChooser(false);
    if (from !== undefined) cardOpener = from;
    activeIds = shown.map((p) => p.id);
    paint();
    const title = el("h2", null, shown.length === 1 ? "Coded passage" : `${shown.length} coded passages here`);
    title.id = "card-title";
    title.tabIndex = -1;
    const close = el("button", "secondary pop-close", "✕");
    close.type = "button";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", () => closeCard());
    card.replaceChildren(title, close, ...shown.map(cardPassage));
    card.hidden = false;
    const first = shown[0];
    place(card, rangeOf(first.startOffset, Math.max(...shown.map((p) => p.endOffset))));
    title.focus({ preventScroll: true });
  }
  card.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); closeCard(); } });

  // --- Removing a code: the same buttons work without JavaScript ------------------------------------
  async function removeCode(passageId, themeId, name) {
    try {
      const response = await send("DELETE", `${api}/passages/${passageId}/themes/${themeId}`);
      say(response.ok ? `Removed ${name || "the theme"} from that passage.` : "Not removed: " + await errorText(response, "Storyweave could not remove it."));
      await refresh();
      return response.ok;
    } catch {
      say("Not removed: the connection to Storyweave was lost. Check your connection, then try again.");
      return false;
    }
  }
  removeForm.addEventListener("submit", async (e) => {
    const button = e.submitter;
    if (!button || !button.value) return;
    e.preventDefault();
    const [passageId, themeId] = button.value.split(":");
    const item = button.closest(".passage");
    const line = item && item.closest("li.coding-cue");
    const name = button.closest(".code") ? button.closest(".code").querySelector(".code-theme").textContent : "";
    await removeCode(passageId, themeId, name);
    // Focus stays near: the next code on that line, or its "Code this line" link.
    const next = line && (line.querySelector(".passage-list button") || line.querySelector("a.code-line"));
    if (next) next.focus();
  });

  // --- Refreshing ----------------------------------------------------------------------------------
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
    if (response.ok) {
      passages = await response.json();
      // Never repaint under a mouse that is still selecting: the selection would break.
      if (pointerDown) needsRedraw = true; else redraw();
    }
    await refreshCounts();
  }

  refresh();

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
