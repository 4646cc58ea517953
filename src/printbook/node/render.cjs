// printbook's mermaid renderer: one Chromium, mermaid loaded once per page, JSON lines in and out.
//
// Started by printbook/diagrams.py. argv[2] is a JSON file holding
//   {mermaidPath, chromiumPath, config, css, pages, timeoutMs}
// stdin:  one request per line  {"id": "...", "code": "..."}                       render to SVG
//                             or {"id": "...", "svg": "...", "width": w, "height": h, "png": scale}   paint a PNG
// stdout: one answer per line    {"id": "...", "ok": true, "svg": "...", "width": w, "height": h}
//                             or {"id": "...", "ok": true, "png": "<base64>"}
//                             or {"id": "...", "ok": false, "error": "..."}
// A line {"ready": true, "mermaid": "11.x"} is written once every page is ready.
"use strict";
const fs = require("fs");
const path = require("path");
const url = require("url");
const readline = require("readline");
const puppeteer = require("puppeteer");

const settings = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

// The font the PDF and the decks draw diagram text with (the page's own is in mermaid-config.json).
const PRINT_FONT = "Noto Sans";

function send(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

function launchBrowser() {
  const args = [
    "--headless=new", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-dev-shm-usage",
    "--font-render-hinting=none",
    // The full browser of --headless=new preloads the address bar's popups (web pages of their
    // own, in a renderer of their own): a fifth of a core, all the while, for nothing here.
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup",
  ];
  // Chromium refuses to run its sandbox as root; keep it for everyone else.
  if (process.getuid && process.getuid() === 0) args.push("--no-sandbox");
  return puppeteer.launch({ executablePath: settings.chromiumPath, headless: true, args, protocolTimeout: settings.timeoutMs * 3 });
}

// Where mermaid does the same work again and again, made cheaper. Applied only where the code
// is exactly as in the pinned mermaid (11.17.2); otherwise mermaid runs as shipped
// (`patched: false`, which a test checks).
// - getConfig() deep-copies the whole configuration through assignWithDepth, several times per
//   node (four per label, more per edge), and that defined every key with Object.defineProperty
//   (to keep a `__proto__` key from reaching the prototype) inside an Object.entries().forEach:
//   40% of a render.
//   - A plain assignment in a plain loop does the same for any key but `__proto__`, which keeps
//     defineProperty: a copy takes half the time.
//   - The copy is made once per configuration and handed out again: mermaid replaces the object
//     it copies ($x) and never changes it in place. Callers now share one copy, so a caller that
//     changed its copy would be seen by the others. Across the 3,016 diagrams, layouts and parts
//     of ../shared's corpora none did: no answer changed beyond mermaid's own run-to-run noise
//     (hand-drawn strokes, git hashes, actor ids). This was the other 21% of a render: 115 s
//     for them instead of 150-158 s.
// - Wrapping a label measures the line again for every word added to it, each time in a new
//   <text> the browser must lay out; the variants of one diagram wrap the same labels again.
//   textLength (below) gives the length measured before for the same line in the same font.
// - Once drawn, the whole SVG went through DOMPurify again as text (an eighth of a render): it
//   guards a page that inserts mermaid's answer, and the only page that does is this one, where
//   that same SVG has just been live (each label was sanitised as mermaid drew it). printSafe
//   then keeps what DOMPurify kept and nothing active: no script, handler, outside reference, or
//   attribute that draws nothing.
const MERMAID_PATCHES = [
  ['Object.entries(t).forEach(([a,o])=>{if(typeof o=="object"){if(o===null)return;Object.hasOwn(e,a)||Object.defineProperty(e,a,{value:void 0,writable:!0,enumerable:!0,configurable:!0}),i[a]===void 0&&(i[a]=Array.isArray(o)?[]:{}),typeof i[a]=="object"&&(i[a]=vD(i[a],o,{depth:r-1}))}else typeof i[a]!="object"&&(Object.hasOwn(e,a)?i[a]=o:Object.defineProperty(e,a,{value:o,writable:!0,enumerable:!0,configurable:!0}))})',
   'for(const a of Object.keys(t)){const o=t[a];if(typeof o=="object"){if(o===null)continue;a==="__proto__"&&Object.defineProperty(e,a,{value:void 0,writable:!0,enumerable:!0,configurable:!0}),i[a]===void 0&&(i[a]=Array.isArray(o)?[]:{}),typeof i[a]=="object"&&(i[a]=vD(i[a],o,{depth:r-1}))}else typeof i[a]!="object"&&(a==="__proto__"?Object.defineProperty(e,a,{value:o,writable:!0,enumerable:!0,configurable:!0}):i[a]=o)}'],
  ['function rKe(e,t,r){let n=e.append("text"),i=dP(n,1,t);fP(i,r);let a=i.node().getComputedTextLength();return n.remove(),a}',
   'function rKe(e,t,r){let n=e.append("text"),i=dP(n,1,t);fP(i,r);let a=window.textLength(i.node());return n.remove(),a}'],
  ['Lt=s(()=>ii({},$x),"getConfig")',
   'Lt=s(()=>(Lt.source===$x?Lt.copy:(Lt.source=$x,Lt.copy=ii({},$x))),"getConfig")'],
  ['else m||(A=ao.sanitize(A,{ADD_TAGS:ZMt,ADD_ATTR:QMt,HTML_INTEGRATION_POINTS:{foreignobject:!0}}));return cGe(),A},"serializeSvg")',
   'return cGe(),A},"serializeSvg")'],
];

function fasterMermaid(code) {
  if (!settings.patchMermaid || !MERMAID_PATCHES.every(([slow]) => code.split(slow).length === 2)) return [code, false];
  return [MERMAID_PATCHES.reduce((text, [slow, fast]) => text.replace(slow, () => fast), code), true];
}

// The page every diagram is rendered in, with mermaid as a file the browser reads itself: faster
// than sending 3.5 MB of script through the DevTools protocol to each page.
const scratch = path.dirname(process.argv[2]);
const [mermaidCode, mermaidPatched] = fasterMermaid(fs.readFileSync(settings.mermaidPath, "utf8"));
fs.writeFileSync(path.join(scratch, "mermaid.js"), mermaidCode);
// zenuml, an external diagram mermaid-cli registers, is 3.4 MB of script: loaded into a page only
// when a diagram of its kind comes.
if (settings.zenumlPath && fs.existsSync(settings.zenumlPath)) fs.copyFileSync(settings.zenumlPath, path.join(scratch, "zenuml.js"));
const pagePath = path.join(scratch, "render-page.html");
// A wardley map's notes are drawn at a fixed 11 px, its labels at mermaid-config.json's 14: as large.
const PAGE_CSS = ".wardley-notes text { font-size: 14px; }";
fs.writeFileSync(pagePath, `<!doctype html><html><head><meta charset="utf-8"><style>${PAGE_CSS}${settings.css}</style>` +
  `<script src="mermaid.js"></script></head>` +
  // (A diagram that names no font, as a wardley map, draws in the page's: printbook's, not the browser's serif.)
  `<body style="margin:0;background:white;font-family:'${PRINT_FONT}',sans-serif"><div id="shot"></div></body></html>`);
const pageUrl = url.pathToFileURL(pagePath).href;
const scratchUrl = url.pathToFileURL(scratch).href + "/";

// A page with mermaid loaded and initialised once; every diagram is rendered in it.
async function openRenderPage(browser) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 800, deviceScaleFactor: 1 });
  // Nothing is fetched but the page and mermaid beside it: no web, and no file of the machine a
  // diagram might name (printbook's repair pass already leaves out the pictures a flowchart names
  // by URL; printSafe drops any <image> that points outside).
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    const address = request.url();
    if (address.startsWith(scratchUrl) || address.startsWith("data:") || address.startsWith("blob:")) request.continue();
    else request.abort();
  });
  // The generic fantasy and cursive families are whatever the machine has: Dingbats on Debian, so
  // labels would print as symbols. printbook's font lays them out here, and printedValue writes it
  // into the SVG, so that the PDF and the decks draw them the same.
  const session = await page.createCDPSession();
  await session.send("Page.setFontFamilies", { fontFamilies: { fantasy: PRINT_FONT, cursive: PRINT_FONT } });
  await page.goto(pageUrl);
  await page.addScriptTag({ content: `const PRINT_FONT = ${JSON.stringify(PRINT_FONT)};
    const PRINTED_PROPERTIES = ${JSON.stringify(PRINTED_PROPERTIES)};
    const INHERITED_PROPERTIES = ${JSON.stringify(INHERITED_PROPERTIES)};
    const GEOMETRY = new Set(${JSON.stringify([...GEOMETRY])});
    const TRANSFORMABLE = new Set(${JSON.stringify([...TRANSFORMABLE])});
    const DEFINITIONS = ${JSON.stringify(DEFINITIONS)};
    const NOT_DRAWN = new Set(${JSON.stringify([...NOT_DRAWN])});
    ${printedValue.toString()}
    ${dissolveGroups.toString()}
    ${lookAlike.toString()}
    ${withoutUnusedDefinitions.toString()}
    ${legibleOnTheirFill.toString()}
    window.printSafe = ${printSafe.toString()};
    window.measureText = ${measureText.toString()};
    window.notesAroundTheirWords = ${notesAroundTheirWords.toString()};
    window.everyWordInView = ${everyWordInView.toString()};
    window.textLength = ${textLength.toString()};
    window.textLengths = new Map();
    window.labelFonts = new WeakMap();
    window.printbookConfig = ${JSON.stringify(settings.config)};
    ${frontMatterAndRest.toString()}
    ${diagramKind.toString()}
    ${ganttDirective.toString()}
    ${timelineDirective.toString()}` });
  await page.evaluate(async (config) => {
    await document.fonts.ready;
    window.mermaid.initialize({ startOnLoad: false, ...config });
  }, settings.config);
  return { page, busy: false };
}

// What mermaid writes for interaction or its own bookkeeping, which draws nothing (printSafe drops it).
const NOT_DRAWN = new Set(["cursor", "target", "label-offset-x", "label-offset-y", "text-height"]);

// What printSafe writes as attributes (see there).
const PRINTED_PROPERTIES = ["fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
  "stroke-dasharray", "stroke-dashoffset", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit",
  "font-family", "font-size", "font-style", "font-weight", "text-anchor", "dominant-baseline", "visibility",
  "marker-start", "marker-mid", "marker-end", "opacity", "display"];

// The attribute to write for a computed property, or null: an inherited property where it differs
// from the parent's (`parent` is null at the root), opacity where it is not 1, display only as none.
// A reference to a part of the SVG, which the browser reports as `url("file:///…#id")`, as `url(#id)`;
// a generic fantasy or cursive family as printbook's font (see openRenderPage).
function printedValue(name, value, parent) {
  const printed = (v) => {
    const match = /^url\(\s*["']?[^#"')]*(#[^"')]+)["']?\s*\)$/.exec(v);
    if (match) return `url(${match[1]})`;
    return name === "font-family" ? v.replace(/(^|,)\s*["']?(fantasy|cursive)["']?\s*(?=,|$)/gi, `$1"${PRINT_FONT}"`) : v;
  };
  if (name === "opacity") return value === "1" ? null : value;
  if (name === "display") return value === "none" ? value : null;
  return parent !== null && printed(value) === printed(parent) ? null : printed(value);
}

// Runs in the page (installed there as window.printSafe): make the SVG safe and cheap to print.
// - <foreignObject> HTML labels (mindmap, C4, architecture, KaTeX) become positioned SVG <text>:
//   WeasyPrint and PowerPoint draw no HTML inside SVG.
// - no <script>, no on* attributes, no references outside the SVG itself.
// - one <tspan> per line instead of one per word, and only the CSS rules that match something.
function printSafe(svg) {
  const NS = "http://www.w3.org/2000/svg";
  for (const fo of [...svg.querySelectorAll("foreignObject")]) {
    // Where the browser laid out each word, grouped into the lines it wrapped them into, mapped
    // from screen to the SVG coordinates of the foreignObject's parent.
    const toLocal = fo.parentNode.getScreenCTM().inverse();
    const local = (x, y) => new DOMPoint(x, y).matrixTransform(toLocal);
    const html = fo.firstElementChild || fo;
    const style = getComputedStyle(html.querySelector("span, p, div") || html);
    const lines = new Map();
    const walker = document.createTreeWalker(fo, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const rect = range.getBoundingClientRect();
        if (!rect.width) continue;
        const key = Math.round(rect.top + rect.height / 2);
        const line = lines.get(key) || { words: [], left: rect.left, right: rect.right, middle: key };
        line.words.push(match[0]);
        line.left = Math.min(line.left, rect.left);
        line.right = Math.max(line.right, rect.right);
        lines.set(key, line);
      }
    }
    const scale = 1 / (fo.parentNode.getScreenCTM().a || 1);
    const size = (parseFloat(style.fontSize) || 16) * scale;
    const text = document.createElementNS(NS, "text");
    text.setAttribute("text-anchor", "middle");
    text.setAttribute("dominant-baseline", "central");
    text.setAttribute("font-size", String(size));
    text.setAttribute("fill", style.color || "#000");
    if (style.fontWeight && style.fontWeight !== "400") text.setAttribute("font-weight", style.fontWeight);
    for (const line of [...lines.values()].sort((a, b) => a.middle - b.middle)) {
      const point = local((line.left + line.right) / 2, line.middle);
      const span = document.createElementNS(NS, "tspan");
      span.setAttribute("x", String(point.x));
      span.setAttribute("y", String(point.y));
      span.textContent = line.words.join(" ");
      text.appendChild(span);
    }
    fo.replaceWith(text);
  }
  // Subgraph titles to the top-left corner: mermaid centres them, right where the links into the
  // subgraph arrive, and a line struck through a title is hard to read on paper.
  if ((svg.getAttribute("aria-roledescription") || "").startsWith("flowchart")) {
    const shifts = [];  // all measured before any moves: each move would have the next measurement lay out again
    for (const cluster of svg.querySelectorAll("g.cluster")) {
      const frame = cluster.querySelector(":scope > rect");
      const title = cluster.querySelector(":scope > g.cluster-label");
      if (!frame || !title) continue;
      shifts.push([title, (frame.getBoundingClientRect().left + 8 - title.getBoundingClientRect().left) /
        (cluster.getScreenCTM().a || 1)]);
    }
    for (const [title, shift] of shifts) {
      if (shift < 0) title.setAttribute("transform", `translate(${shift}, 0) ${title.getAttribute("transform") || ""}`);
    }
  }
  for (const bad of [...svg.querySelectorAll("script")]) bad.remove();
  // Pictures from outside are never fetched (see openRenderPage) and would not be on paper.
  for (const image of [...svg.querySelectorAll("image")]) {
    const address = (image.getAttribute("href") || image.getAttribute("xlink:href") || "").trim();
    if (!address.startsWith("data:image/")) image.remove();
  }
  // mermaid leaves empty background rects in every label; each would cost WeasyPrint a
  // transparency group in the PDF (5,000 of them in the seed) and they draw nothing.
  // (Each loop below measures everything before it changes anything: a change between two
  // measurements makes the browser lay the diagram out again.)
  const empty = [...svg.querySelectorAll("rect")].filter((rect) => {
    const box = rect.getBBox();
    return box.width === 0 || box.height === 0;
  });
  for (const rect of empty) rect.remove();
  // A path with no segment to draw (mermaid draws an edge from inside a composite state to a
  // state outside it as "M x,y Z") shows only its markers, pointing nowhere; WeasyPrint fails on
  // the whole picture for one, and prints the diagram's edges alone.
  for (const path of [...svg.querySelectorAll("path")]) {
    if (/^[\s\d.,eE+\-MmZz]*$/.test(path.getAttribute("d") || "")) path.remove();
  }
  // (Values are read as they are, not lowercased: a path's is long, and there are thousands.)
  for (const element of [svg, ...svg.querySelectorAll("*")]) {
    const attributes = element.attributes;
    for (let index = attributes.length - 1; index >= 0; index--) {  // from the last: some go
      const attribute = attributes[index];
      const name = attribute.name.toLowerCase();
      const value = attribute.value;
      const reference = name === "href" || name === "xlink:href" || name === "src";
      if (name.startsWith("on") || (reference && !/^\s*(#|data:image\/)/i.test(value))) {
        element.removeAttribute(attribute.name);
      } else if ((/url\(/i.test(value) && !/url\(\s*['"]?#/i.test(value)) || NOT_DRAWN.has(name)) {
        element.removeAttribute(attribute.name);
      } else if (value !== value.trim()) {
        attribute.value = value.trim();  // (as DOMPurify left them)
      }
    }
  }
  // Words of one line as one run: WeasyPrint draws each <tspan> on its own.
  const rows = [...svg.querySelectorAll("tspan.text-outer-tspan")];
  const fontSizes = rows.map((row) => parseFloat(getComputedStyle(row).fontSize) || 16);
  for (const [index, row] of rows.entries()) {
    // One absolute y per line: WeasyPrint adds a line's dy to the wrong origin and drops second
    // lines below their boxes.
    const fontSize = fontSizes[index];
    const inPx = (name) => {
      const value = row.getAttribute(name) || "0";
      return parseFloat(value) * (value.endsWith("em") ? fontSize : 1);
    };
    if (row.hasAttribute("y")) {
      row.setAttribute("y", String(inPx("y") + inPx("dy")));
      row.removeAttribute("dy");
    }
    const words = [...row.querySelectorAll("tspan.text-inner-tspan")];
    const plain = words.every((w) => w.getAttribute("font-weight") === "normal" && w.getAttribute("font-style") === "normal");
    if (words.length > 1 && plain) row.textContent = words.map((w) => w.textContent).join("");
  }
  // Centred and end-anchored text as start-anchored, at the x the browser measured: WeasyPrint
  // draws every anchored text in a group of its own (2,000 in the seed's PDF) to shift it later.
  const moves = [];
  for (const text of [...svg.querySelectorAll("text")]) {
    if (!text.textContent.trim()) continue;
    const anchor = getComputedStyle(text).textAnchor;
    const lines = [...text.children].filter((c) => c.tagName === "tspan" && c.hasAttribute("x"));
    const pieces = lines.length ? lines : [text];
    if (anchor === "start" || pieces.some((p) => /[\s,]/.test((p.getAttribute("x") || "").trim()))) continue;
    const shifts = pieces.map((piece) => piece.getComputedTextLength() * (anchor === "middle" ? 0.5 : 1));
    moves.push({ text, pieces, shifts });
  }
  for (const text of [...svg.querySelectorAll("text")]) if (!text.textContent.trim()) text.remove();
  for (const { text, pieces, shifts } of moves) {
    pieces.forEach((piece, index) => {
      piece.setAttribute("x", String(parseFloat(piece.getAttribute("x") || "0") - shifts[index]));
    });
    for (const element of [text, ...text.querySelectorAll("tspan")]) {
      element.setAttribute("text-anchor", "start");
      element.style.textAnchor = "start";
    }
  }
  // Every element's look as presentation attributes, and no CSS left: WeasyPrint parses each
  // diagram's stylesheet and matches it against every node, a third of its time on the seed's
  // diagrams; attributes it reads as they are. An inherited property is written where it differs
  // from the parent's; everything is measured before anything is written.
  // Elements alike (same tag and attributes but for their geometry, under parents alike) look
  // alike under a stylesheet that selects by tag, class, id and attribute only: their look is read
  // once (most of a diagram's 1,000 or so elements repeat a few dozen kinds: a node's box, its
  // label's text). A stylesheet that selects by position or sibling has every element read.
  legibleOnTheirFill(svg);
  const alike = lookAlike(svg);
  // A flowchart defines a dozen markers and uses one or two: those unused go before their looks
  // are read (unless a rule selects by position, which removing them could change).
  if (alike) withoutUnusedDefinitions(svg);
  const elements = [svg, ...svg.querySelectorAll("*")];
  const kinds = new Map();  // element -> its kind, a number for its parent's kind and its own
  const numbers = new Map();  // (parent's kind, own) -> kind
  const lookOf = new Map();  // kind -> look
  const looks = new Map(elements.map((element) => {
    let kind = null;
    if (alike) {
      const named = `${kinds.get(element.parentNode) ?? ""}\u0001${alike(element)}`;
      kind = numbers.get(named) ?? numbers.set(named, numbers.size).get(named);
      kinds.set(element, kind);
    }
    let look = kind === null ? undefined : lookOf.get(kind);
    if (look === undefined) {
      const style = getComputedStyle(element);
      look = Object.fromEntries(PRINTED_PROPERTIES.map((name) => [name, style.getPropertyValue(name)]));
      if (kind !== null) lookOf.set(kind, look);
    }
    return [element, look];
  }));
  const written = new Map();  // look -> parent's look -> the attributes to write
  for (const element of elements) {
    const look = looks.get(element);
    const parent = element === svg ? null : looks.get(element.parentNode);
    const byParent = written.get(look) || written.set(look, new Map()).get(look);
    let attributes = byParent.get(parent);
    if (attributes === undefined) {
      attributes = PRINTED_PROPERTIES.map((name) => [name, printedValue(name, look[name], parent && parent[name])]);
      byParent.set(parent, attributes);
    }
    for (const [name, value] of attributes) {
      if (value === null) element.removeAttribute(name);
      else element.setAttribute(name, value);
    }
  }
  for (const sheet of [...svg.querySelectorAll("style")]) sheet.remove();
  // With no CSS left, mermaid's data-* attributes (edge points as base64, ids) serve nothing: they
  // draw nothing, and WeasyPrint copies every attribute of a group to each of its children.
  for (const element of elements) {
    for (const name of element.getAttributeNames()) {
      if (name === "style" || name.startsWith("data-")) element.removeAttribute(name);
    }
  }
  dissolveGroups(svg);
}

// Runs in the page: words that would not read on the author's own paint under the light print
// theme. A node's label at under 3:1 contrast on a dark fill (classDef fill:#333 without a
// color, as drawn for a dark-mode viewer) is written in white, or in the theme's dark where a
// light label sits on a light fill. A sequence diagram's highlighted region (`rect rgb(…)`) on
// which the theme's words would read at under 4.5:1 prints as a light tint of its colour
// (regions nested in it stay told apart).
function legibleOnTheirFill(svg) {
  const onPaper = (colour) => {  // [r, g, b] as printed over white paper, or null
    const match = colour && colour.match(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?/);
    if (!match) return null;
    const alpha = match[4] === undefined ? 1 : Number(match[4]);
    return match.slice(1, 4).map((c) => 255 - (255 - Number(c)) * alpha);
  };
  const luminance = (rgb) => {  // WCAG's relative luminance
    const [r, g, b] = rgb.map((c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const THEME_INK = luminance([27, 36, 48]);  // (mermaid-config.json's text colour)
  const changes = [];  // all read before any is written
  for (const node of svg.querySelectorAll("g.node")) {
    const shape = node.querySelector(":scope > rect, :scope > polygon, :scope > circle, :scope > ellipse, :scope > path");
    const style = shape && getComputedStyle(shape);
    const fill = style && style.fillOpacity !== "0" && onPaper(style.fill);
    if (!fill) continue;
    const ground = luminance(fill);
    for (const text of node.querySelectorAll("text, tspan")) {
      const ink = onPaper(getComputedStyle(text).fill);
      if (!ink || !text.textContent.trim() || contrast(luminance(ink), ground) >= 3) continue;
      changes.push([text, "fill", contrast(1, ground) >= contrast(THEME_INK, ground) ? "#ffffff" : "#1b2430"]);
    }
  }
  for (const region of svg.querySelectorAll("rect.rect")) {
    const fill = onPaper(getComputedStyle(region).fill);
    if (fill && contrast(THEME_INK, luminance(fill)) < 4.5) {  // (WCAG's least for text: the theme's, not the author's)
      changes.push([region, "fill", `rgb(${fill.map((c) => Math.round(255 - (255 - c) * 0.25)).join(", ")})`]);
    }
  }
  for (const [element, property, value] of changes) element.style.setProperty(property, value);
}

// Runs in the page: removes the definitions (markers, gradients, filters…) that no attribute and
// no stylesheet of the SVG refers to; returns the ids referred to.
function withoutUnusedDefinitions(svg) {
  const referenced = new Set();
  for (const element of svg.querySelectorAll("*")) {
    for (const name of element.getAttributeNames()) {
      const value = element.getAttribute(name);
      if (value.includes("url(")) for (const match of value.matchAll(/url\(\s*#([^)\s]+)\s*\)/g)) referenced.add(match[1]);
      if ((name === "href" || name === "xlink:href") && value.startsWith("#")) referenced.add(value.slice(1));
    }
  }
  for (const sheet of svg.querySelectorAll("style")) {
    for (const match of sheet.textContent.matchAll(/url\(\s*["']?#([^)"'\s]+)/g)) referenced.add(match[1]);
  }
  for (const definition of [...svg.querySelectorAll(DEFINITIONS)]) {
    if (!referenced.has(definition.id)) definition.remove();
  }
  return referenced;
}

// Runs in the page: for an SVG whose stylesheets select elements by tag, class, id and attribute
// only (no pseudo-class, no sibling), a function naming what an element's look can depend on
// besides its parent's: its tag, the classes, id and data- or aria- attributes a selector names,
// and its other attributes but its geometry (mermaid writes an edge's points, ends and ids into
// data- attributes and classes of its own, which no rule selects). null when a selector could
// tell alike elements apart by where they are.
function lookAlike(svg) {
  const sheets = [...svg.querySelectorAll("style")].map((sheet) => sheet.textContent).join("\n");
  const selectors = [...sheets.replace(/\/\*[\s\S]*?\*\//g, "").matchAll(/([^{};]*)\{/g)].map((match) => match[1]).join(",");
  if (/[+~]|:(?!root\b)/.test(selectors.replace(/"[^"]*"|'[^']*'/g, ""))) return null;
  const named = (pattern) => new Set([...selectors.matchAll(pattern)].map((match) => match[1]));
  const [classes, ids, attributes] = [named(/\.([\w-]+)/g), named(/#([\w-]+)/g), named(/\[\s*([\w-]+)/g)];
  return (element) => {
    let kind = element.tagName;
    for (const name of element.getAttributeNames()) {
      if (GEOMETRY.has(name) || (/^(id|data-|aria-)/.test(name) && !attributes.has(name))) continue;
      const value = element.getAttribute(name);
      // (all of a class attribute when a rule selects on it as a string, [class*=…])
      kind += name === "class" && !attributes.has("class")
        ? `\u0002class\u0003${value.split(/\s+/).filter((c) => classes.has(c)).sort().join(" ")}`
        : `\u0002${name}\u0003${value}`;
    }
    return ids.has(element.id) ? `${kind}\u0002#${element.id}` : kind;
  };
}

// Attributes that place or shape an element but choose no stylesheet rule and no look.
const GEOMETRY = new Set(["x", "y", "dx", "dy", "width", "height", "d", "points", "transform", "cx", "cy", "r", "rx",
  "ry", "x1", "y1", "x2", "y2", "viewBox", "textLength"]);

// Inherited: a child that does not set one of these shows its parent's.
const INHERITED_PROPERTIES = PRINTED_PROPERTIES.filter((name) => name !== "opacity" && name !== "display");
// What may carry a transform in SVG 1.1, and so take over a dissolved group's.
const TRANSFORMABLE = new Set(["g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "use", "image"]);
const DEFINITIONS = "marker, linearGradient, radialGradient, filter, clipPath, mask, pattern, symbol";

// Runs in the page, after printSafe has written every look as attributes: the SVG with fewer
// elements, drawn the same. WeasyPrint saves, sets up and restores its state for each element it
// enters; mermaid nests every label three groups deep and defines a dozen markers and filters per
// diagram, mostly unused (groups were 9,500 of the seed's 20,500 diagram elements).
// - a group that only holds or moves its content is dissolved into it: its inherited look goes
//   onto each child that does not set its own, its transform in front of the child's (only for a
//   single child, so that no transform is written twice); a group with anything else (opacity,
//   a filter, a clip, an id something points to) stays.
// - definitions nothing refers to go, and so do groups left empty.
function dissolveGroups(svg) {
  const referenced = withoutUnusedDefinitions(svg);
  const movable = new Set(["class", "transform", ...INHERITED_PROPERTIES]);
  for (const group of [...svg.querySelectorAll("g, defs")].reverse()) {  // the innermost first
    if (!group.children.length && !group.textContent.trim()) {
      group.remove();
      continue;
    }
    if (group.tagName !== "g" || (group.id && referenced.has(group.id))) continue;
    if (group.getAttributeNames().some((name) => name !== "id" && !movable.has(name))) continue;
    const transform = group.getAttribute("transform");
    const children = [...group.children];
    if (transform && (children.length !== 1 || !TRANSFORMABLE.has(children[0].tagName))) continue;
    const inherited = INHERITED_PROPERTIES.filter((name) => group.hasAttribute(name)).map((name) => [name, group.getAttribute(name)]);
    for (const child of children) {
      for (const [name, value] of inherited) {
        if (!child.hasAttribute(name)) child.setAttribute(name, value);
      }
      if (transform) child.setAttribute("transform", `${transform} ${child.getAttribute("transform") || ""}`.trim());
    }
    group.replaceWith(...group.childNodes);
  }
}

// Runs in the page: mermaid makes a sequence diagram's note as wide as the participants it spans,
// not as its words, which run out of the box (and out of the picture, past the first participant):
// the box is widened to its words.
function notesAroundTheirWords(svg) {
  for (const rect of svg.querySelectorAll("rect.note")) {
    const boxes = [...rect.parentNode.querySelectorAll("text.noteText")].filter((t) => t.textContent.trim())
      .map((t) => t.getBBox());
    if (!boxes.length) continue;
    const x = rect.x.baseVal.value;
    const right = x + rect.width.baseVal.value;
    const left = Math.min(x, ...boxes.map((b) => b.x - 10));
    const width = Math.max(right, ...boxes.map((b) => b.x + b.width + 10)) - left;
    if (left < x || left + width > right) {
      rect.setAttribute("x", String(left));
      rect.setAttribute("width", String(width));
    }
  }
}

// Runs in the page: a word mermaid draws outside its own picture (a note's or a venn title's
// overflow, a radar's axis label, a participant's name a pixel under the bottom) would be cut off
// in print; the picture is grown to hold every word. Returns the width and height it now has.
function everyWordInView(svg, width, height) {
  const origin = svg.getBoundingClientRect();
  let [left, top, right, bottom] = [0, 0, width, height];
  for (const text of svg.querySelectorAll("text")) {
    const r = text.getBoundingClientRect();
    if (r.width === 0 || !text.textContent.trim()) continue;
    left = Math.min(left, r.left - origin.left);
    top = Math.min(top, r.top - origin.top);
    right = Math.max(right, r.right - origin.left);
    bottom = Math.max(bottom, r.bottom - origin.top);
  }
  if (left >= 0 && top >= 0 && right <= width && bottom <= height) return [width, height];
  const margin = 4;
  const [dx, dy] = [left < 0 ? Math.floor(left) - margin : 0, top < 0 ? Math.floor(top) - margin : 0];
  const grown = [Math.ceil(right > width ? right + margin : width) - dx, Math.ceil(bottom > height ? bottom + margin : height) - dy];
  const view = svg.viewBox.baseVal;
  const [x, y] = view && view.width ? [view.x, view.y] : [0, 0];
  svg.setAttribute("viewBox", `${x + dx} ${y + dy} ${grown[0]} ${grown[1]}`);
  svg.setAttribute("width", String(grown[0]));
  svg.setAttribute("height", String(grown[1]));
  return grown;
}

// Runs in the page, on the print-safe SVG as drawn (1 px of the page = 1 px of the picture):
// what printbook's placement needs to judge a layout without drawing it again.
// - textPx: the smallest text, in picture px (mermaid draws gantt and C4 text smaller than 16 px);
// - texts: [x, y, width, height] of each <text>, in document order (a message's words reaching
//   down to its arrow), and shapes: the same of every node or other small shape: a picture too
//   large for its page is cut between them, and a piece keeps only the texts inside it;
// - header: the height of a sequence diagram's row of participants, repeated above each piece;
// - footer: where its participants, drawn again at its bottom, begin.
function measureText(svg) {
  const origin = svg.getBoundingClientRect();
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return [r.left - origin.left, r.top - origin.top, r.width, r.height].map((v) => Math.round(v * 10) / 10);
  };
  const scaleOf = (element) => {
    const m = element.getScreenCTM();
    return m ? Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)) : 1;
  };
  let textPx = Infinity;
  const texts = [];
  const boxOf = new Map();  // each <text> -> its box in texts
  for (const text of svg.querySelectorAll("text")) {
    texts.push(box(text));
    boxOf.set(text, texts[texts.length - 1]);
    const scale = scaleOf(text);
    for (const part of [text, ...text.querySelectorAll("tspan")]) {
      if (part.textContent.trim()) textPx = Math.min(textPx, (parseFloat(getComputedStyle(part).fontSize) || 16) * scale);
    }
  }
  // A sequence diagram's message is its words and, 20-40 px below them, its arrow (a self-message's
  // loops further down): each line of its words reaches down to the next, and the last to the
  // arrow, so that no piece is cut, or shrunk, between them. A loop's or an alternative's title
  // ("loop", "[retry]", drawn after its messages) reaches down to the words of the first message
  // below it: not alone at the foot of a piece. (Down only, and never over the next words: the
  // words' width stays theirs, or no column could be cut between the participants a long arrow
  // joins; and words that run into each other are told apart as before: crowded_words.)
  const reachDown = (found, bottom) => {
    if (bottom > found[1] + found[3]) found[3] = Math.round((bottom - found[1]) * 10) / 10;
  };
  let words = [];
  const messages = [];
  for (const element of svg.querySelectorAll("text.messageText, .messageLine0, .messageLine1")) {
    if (element.tagName === "text") {
      words.push(boxOf.get(element));
      continue;
    }
    const [, top, , height] = box(element);
    words.sort((a, b) => a[1] - b[1]);
    words.forEach((found, index) => reachDown(found, index + 1 < words.length ? words[index + 1][1] : top + height));
    messages.push(...words);
    words = [];
  }
  const titles = [...svg.querySelectorAll("text.loopText, text.labelText")].map((title) => boxOf.get(title));
  for (const found of titles) {  // (a title of two lines: the first reaches down to the second)
    const tops = [...messages, ...titles].map((other) => other[1])
      .filter((top) => top >= found[1] + found[3] / 2 && top - (found[1] + found[3]) < 60);
    if (tops.length) reachDown(found, Math.min(...tops));
  }
  const shapes = [];
  for (const shape of svg.querySelectorAll("g.node, rect, polygon, circle, ellipse")) {
    const found = box(shape);
    if (found[2] > 0 && found[3] > 0 && found[3] <= 200 && found[2] <= origin.width / 2) shapes.push(found);
  }
  const actors = [...svg.querySelectorAll(".actor-top")].map(box);
  const header = actors.length ? Math.max(...actors.map(([, y, , h]) => y + h)) + 8 : 0;
  // Where the participants drawn again at the bottom begin (mermaid's mirrorActors).
  const mirrored = [...svg.querySelectorAll(".actor-bottom")].map(box);
  const footer = mirrored.length ? Math.min(...mirrored.map(([, y]) => y)) : 0;
  return { textPx: Number.isFinite(textPx) ? Math.round(textPx * 100) / 100 : 16, texts, shapes, header, footer };
}

// Runs in the page, in place of the getComputedTextLength() that mermaid's label wrapping asks for
// each word it adds to a line (see MERMAID_PATCHES): the length measured before for a line of the
// same words, in the same computed font, word by word (a bold word is a tspan of its own).
// A computed font costs the browser a style pass over the label just added, once per word. Under
// a stylesheet that selects by tag, class, id and attribute only (lookAlike), the font follows
// from the line's own attributes and its ancestors': fonts are kept per SVG (window.labelFonts, a
// WeakMap gone with the SVG) by that chain, so the labels of one diagram share them.
function textLength(line) {
  const font = (element) => {
    const style = getComputedStyle(element);
    return [style.fontFamily, style.fontSize, style.fontWeight, style.fontStyle, style.fontStretch, style.fontVariant,
      style.fontKerning, style.fontFeatureSettings, style.fontVariationSettings, style.fontSizeAdjust, style.letterSpacing,
      style.wordSpacing, style.textTransform, style.textRendering, style.whiteSpace, style.direction, style.writingMode].join("|");
  };
  const svg = line.closest("svg");
  const sheet = svg && svg.querySelector("style");  // (mermaid writes it before it draws)
  let known = svg && window.labelFonts.get(svg);
  if (svg && (!known || known.sheet !== sheet)) {
    window.labelFonts.set(svg, known = { sheet, alike: sheet && lookAlike(svg), fonts: new Map() });
  }
  let fontOf = font;
  if (known && known.alike) {
    let chain = "";
    for (let element = line.parentNode; element && element !== svg.parentNode; element = element.parentNode) {
      chain += `${known.alike(element)}\u0004`;
    }
    const lineKind = known.alike(line);  // (once per line, not once per word of it)
    fontOf = (element) => {
      const key = element === line ? `${lineKind}\u0004\u0004${chain}` : `${known.alike(element)}\u0004${lineKind}\u0004${chain}`;
      let found = known.fonts.get(key);
      if (found === undefined) known.fonts.set(key, found = font(element));
      return found;
    };
  }
  const parts = [fontOf(line)];
  for (const child of line.childNodes) parts.push(child.nodeType === 1 ? `${fontOf(child)}\u0001${child.textContent}` : `\u0002${child.textContent}`);
  const key = parts.join("\u0000");
  let length = window.textLengths.get(key);
  if (length === undefined) {
    length = line.getComputedTextLength();
    if (window.textLengths.size >= 50000) window.textLengths.clear();  // a long build's memory bounded
    window.textLengths.set(key, length);
  }
  return length;
}

// Runs in the page: `code` as [its front matter (--- … ---), the rest]: mermaid reads front matter
// only at the very start, so printbook's directives go after it.
function frontMatterAndRest(code) {
  const found = code.match(/^\s*---[ \t]*\r?\n[\s\S]*?\r?\n\s*---[ \t]*(\r?\n|$)/);
  return found ? [found[0], code.slice(found[0].length)] : ["", code];
}

// Runs in the page: the kind of diagram `code` is (its first word, lowercased), past front matter
// and %% lines.
function diagramKind(code) {
  const body = frontMatterAndRest(code)[1];
  return (body.replace(/^(\s*%%.*\n)*/, "").match(/^\s*(\S+)/) || ["", ""])[1].toLowerCase();
}

// Runs in the page: a timeline's margins as other diagrams have them. mermaid pads it 50 px all
// round, which made a timeline of four periods 1190 px wide, 2% too wide for a slide at 12 pt.
// (A diagram's own directive, after this one, still decides.)
function timelineDirective(code) {
  return diagramKind(code) === "timeline" ? '%%{init: {"timeline": {"padding": 10}}}%%\n' : "";
}

// Runs in the page: for a gantt chart, room at the left for its longest section name (mermaid
// gives 75 px whatever the names, and longer ones run into the bars), measured in the font and
// size of printbook's configuration; "" for any other diagram.
function ganttDirective(code) {
  if (diagramKind(code) !== "gantt") return "";
  const gantt = (window.printbookConfig && window.printbookConfig.gantt) || {};
  const size = gantt.sectionFontSize || 11;
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${size}px "Noto Sans"`;
  const names = [...code.matchAll(/^\s*section\s+(.+?)\s*$/gm)].map((m) => m[1]);
  const widest = Math.max(0, ...names.map((name) => context.measureText(name).width));
  const room = Math.ceil(Math.max(gantt.leftPadding || 75, widest + 2 * size));
  // Times of day without a date (dateFormat HH:mm) and no axisFormat of the author's: mermaid's
  // axis would label every tick with the same date, today's, the labels running into each other.
  const dates = (code.match(/^\s*dateFormat\s+(.+?)\s*$/m) || [])[1] || "";
  const times = /[Hh]/.test(dates) && !/[YMDQWXx]/.test(dates) && !/^\s*axisFormat\b/m.test(code);
  const axis = times ? `, "axisFormat": "${/s/.test(dates) ? "%H:%M:%S" : "%H:%M"}"` : "";
  return `%%{init: {"gantt": {"leftPadding": ${room}${axis}}}}%%\n`;
}

// Runs in the page: render one diagram, leave nothing behind in the DOM.
async function renderInPage(code, id) {
  const sandbox = document.createElement("div");
  document.body.appendChild(sandbox);
  // mermaid's SVG-text mindmap sets its labels off-centre; its HTML labels are laid out right,
  // and printSafe turns them into SVG text where the browser put them.
  const htmlLabels = diagramKind(code) === "mindmap";
  if (/^\s*zenuml\b/m.test(code) && !window.zenumlRegistered) {
    await new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "zenuml.js";
      script.onload = resolve;
      script.onerror = () => reject(new Error("zenuml diagrams need @mermaid-js/mermaid-zenuml (npm ci installs it)"));
      document.head.appendChild(script);
    });
    await window.mermaid.registerExternalDiagrams([globalThis["mermaid-zenuml"]]);
    window.zenumlRegistered = true;
  }
  const directive = htmlLabels ? '%%{init: {"htmlLabels": true}}%%\n' : ganttDirective(code) || timelineDirective(code);
  try {
    const [frontMatter, rest] = frontMatterAndRest(code);
    const { svg } = await window.mermaid.render(id, frontMatter + directive + rest, sandbox);
    const holder = document.getElementById("shot");
    holder.innerHTML = svg;
    const element = holder.querySelector("svg");
    // The size from the viewBox, read before anything is laid out: only a diagram without one is
    // laid out first to measure it (each layout of a large diagram costs as much as printSafe).
    const viewBox = element.viewBox.baseVal;
    let laidOut = null;
    const side = (name) => Math.ceil(viewBox && viewBox[name] ? viewBox[name] : (laidOut ||= element.getBBox())[name]);
    const width = side("width");
    const height = side("height");
    element.setAttribute("width", String(width));
    element.setAttribute("height", String(height));
    element.style.maxWidth = "";
    // An element mermaid placed at no number (an empty gantt chart's "today" line at x="NaN") draws
    // nothing, and WeasyPrint would write "nan" into the PDF, which PDF readers reject.
    if (svg.includes("NaN")) {
      for (const lost of [...element.querySelectorAll("*")]) {
        if ([...lost.attributes].some((a) => GEOMETRY.has(a.name) && a.value.includes("NaN"))) lost.remove();
      }
    }
    window.notesAroundTheirWords(element);
    window.printSafe(element);
    const [shownWidth, shownHeight] = window.everyWordInView(element, width, height);
    return { ok: true, svg: new XMLSerializer().serializeToString(element), width: shownWidth, height: shownHeight,
      ...window.measureText(element) };
  } catch (error) {
    const message = String((error && error.message) || error);
    // Line numbers as the user wrote the diagram, without our directive line.
    return { ok: false, error: directive ? message.replace(/line (\d+)/, (_, n) => `line ${n - 1}`) : message };
  } finally {
    sandbox.remove();
    document.getElementById("shot").innerHTML = "";
    // mermaid leaves its scratch element behind when a diagram fails to parse.
    for (const stray of document.querySelectorAll(`#d${id}, #${id}`)) {
      if (!stray.closest("#shot")) stray.remove();
    }
  }
}

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`render timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Runs in the page: paint an SVG into a canvas at `scale` and return base64 PNG. A canvas works in
// background tabs, where a screenshot would wait for a frame that never comes.
async function paintPng(svgText, width, height, scale) {
  const image = new Image();
  const url = URL.createObjectURL(new Blob([svgText], { type: "image/svg+xml" }));
  try {
    image.src = url;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = Math.ceil(width * scale);
    canvas.height = Math.ceil(height * scale);
    const context = canvas.getContext("2d");
    context.fillStyle = "white";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL("image/png").split(",")[1];
  } finally {
    URL.revokeObjectURL(url);
  }
}

// A request either renders mermaid code to SVG ({code}) or paints an SVG as PNG ({svg, width,
// height, png: scale}); PNGs are asked for only for the pictures a deck shows.
async function renderOne(slot, request, counter) {
  if (request.svg) {
    const png = await withTimeout(
      slot.page.evaluate(paintPng, request.svg, request.width, request.height, request.png), settings.timeoutMs);
    return { ok: true, png };
  }
  return await withTimeout(slot.page.evaluate(renderInPage, inPrintTheme(request.code), `pb${counter}`), settings.timeoutMs);
}

// A diagram's own theme (`theme: dark` in its front matter or init directive) as mermaid's base
// theme, which printbook's print colours fill in: a dark theme prints dark boxes that hide their
// labels on white paper. Its own themeVariables still apply: mermaid derives them from the theme
// a diagram names. Lines stay where they were, so mermaid's line numbers still hold.
function inPrintTheme(code) {
  const asBase = (text) => text.replace(/(["']?\btheme["']?\s*:\s*)["']?[A-Za-z]+["']?/g, '$1"base"');
  return code
    .replace(/^(\s*---[ \t]*\r?\n)([\s\S]*?\r?\n)(\s*---)/, (_, open, body, close) => open + asBase(body) + close)
    .replace(/%%\{[\s\S]*?\}%%/g, asBase);
}

async function main() {
  let browser = await launchBrowser();
  let generation = 0;
  let slots = [];
  const queue = [];
  let counter = 0;
  let inputClosed = false;
  let running = 0;
  let recovering = null;

  // Pages load mermaid side by side, and each takes diagrams as soon as it has: rendering starts
  // with the first page ready. Resolves then; rejects only if no page opens.
  const openSlots = () => {
    slots = [];
    const forGeneration = generation;
    return Promise.any(Array.from({ length: Math.max(1, settings.pages) }, async () => {
      const slot = await openRenderPage(browser);
      if (forGeneration === generation) {
        slots.push(slot);
        pump();
      }
      return slot;
    }));
  };
  await openSlots();
  // Chromium's pid: puppeteer runs it in a process group of its own, which printbook ends should
  // this process be killed before it could end it.
  const browserPid = () => (browser.process() ? browser.process().pid : null);
  send({ ready: true, patched: mermaidPatched, browser: browserPid() });

  // The browser died or a page hung: start a fresh one so the remaining diagrams still render.
  function recover(failedGeneration) {
    if (failedGeneration !== generation) return recovering;
    generation++;
    recovering = (async () => {
      try { await browser.close(); } catch (_) { /* already gone */ }
      browser = await launchBrowser();
      send({ browser: browserPid() });
      await openSlots();
      recovering = null;
    })();
    return recovering;
  }

  async function run(slot, request) {
    slot.busy = true;
    running++;
    const started = Date.now();
    const slotGeneration = generation;
    let answer;
    try {
      answer = await renderOne(slot, request, ++counter);
    } catch (error) {
      const message = String((error && error.message) || error);
      await recover(slotGeneration);
      request.attempts = (request.attempts || 0) + 1;
      // A diagram that broke the browser once gets one more try; twice and it is the culprit.
      if (request.attempts < 2 && !message.includes("timed out")) {
        queue.unshift(request);
        answer = null;
      } else {
        // `crashed`: the browser's failure, not mermaid's answer, so printbook never caches it.
        answer = { ok: false, error: message, crashed: !message.includes("timed out") };
      }
    }
    if (answer) {
      answer.id = request.id;
      answer.ms = Date.now() - started;
      send(answer);
    }
    slot.busy = false;
    running--;
    pump();
  }

  function pump() {
    if (recovering) { recovering.then(pump); return; }
    for (const slot of slots) {
      if (!slot.busy && queue.length > 0) run(slot, queue.shift());
    }
    if (inputClosed && queue.length === 0 && running === 0) {
      browser.close().finally(() => process.exit(0));
    }
  }

  const lines = readline.createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (!line.trim()) return;
    queue.push(JSON.parse(line));
    pump();
  });
  // Closed input: printbook has every answer it asked for, or is gone (a build interrupted), and
  // nothing still queued would be read: only the renders under way finish.
  lines.on("close", () => { inputClosed = true; queue.length = 0; pump(); });
}

main().catch((error) => {
  send({ fatal: String((error && error.stack) || error) });
  process.exit(1);
});
