"use strict";
// The demo page: each panel reads a stream from the server.

function formatBytes(n) {
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
}

// 1. Progressive images: report when each finishes; "Load again" bypasses the cache.
function watchImage(id) {
  const img = document.getElementById(id);
  const state = document.getElementById(id + "-state");
  const started = performance.now();
  const done = () => {
    img.dataset.complete = "true";
    state.textContent = `complete in ${((performance.now() - started) / 1000).toFixed(1)} s`;
  };
  if (img.complete && img.naturalWidth > 0) done(); else img.addEventListener("load", done, { once: true });
}
function reloadImages() {
  for (const id of ["img-jpeg", "img-webp"]) {
    const img = document.getElementById(id);
    img.dataset.complete = "false";
    document.getElementById(id + "-state").textContent = "loading…";
    img.src = img.src.split("?")[0] + "?t=" + Date.now();
    watchImage(id);
  }
}
watchImage("img-jpeg");
watchImage("img-webp");
document.getElementById("reload-images").addEventListener("click", reloadImages);

// 2. Video: the seek buttons set currentTime; the server reports each Range it
// answered through the statistics stream (panel 4), and they are listed here.
const video = document.getElementById("clock");
for (const button of document.querySelectorAll("button.seek")) {
  button.addEventListener("click", () => { video.currentTime = Number(button.dataset.time); });
}
const rangeLog = document.getElementById("range-log");
function logRange(text) {
  const item = document.createElement("li");
  item.textContent = text;
  rangeLog.prepend(item);
}

// 3. Endless feed: read NDJSON with a reader, only while the list needs more rows.
const feedBox = document.getElementById("feed-box");
const feedRows = document.getElementById("feed-rows");
const feedCount = document.getElementById("feed-count");
let feedId = null;  // the server's name for this page's feed (X-Feed-Id)
let feedReader = null;
let feedBuffer = "";
let feedBusy = false;
let feedOver = false;
const decoder = new TextDecoder();

function addRow(row) {
  const item = document.createElement("li");
  const id = document.createElement("b");
  id.textContent = "#" + row.id;
  const text = document.createElement("span");
  text.textContent = row.text;
  item.append(id, text);
  feedRows.append(item);
  feedCount.textContent = String(row.id + 1);
}

function nearEnd() {
  return feedBox.scrollHeight - feedBox.scrollTop - feedBox.clientHeight < 120;
}

async function readMoreRows(wanted) {
  if (feedBusy || feedOver) return;
  feedBusy = true;
  try {
    if (!feedReader) {
      const response = await fetch("/api/feed");
      feedId = response.headers.get("X-Feed-Id");
      feedReader = response.body.getReader();
    }
    let added = 0;
    while (added < wanted) {
      const newline = feedBuffer.indexOf("\n");
      if (newline >= 0) {
        const line = feedBuffer.slice(0, newline);
        feedBuffer = feedBuffer.slice(newline + 1);
        if (line) { addRow(JSON.parse(line)); added += 1; }
        continue;
      }
      const { done, value } = await feedReader.read();
      if (done) { feedOver = true; break; }
      feedBuffer += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    feedOver = true;
    document.getElementById("feed-made").textContent = "(the feed ended: " + error.message + ")";
  } finally {
    feedBusy = false;
  }
  if (nearEnd()) readMoreRows(20);
}
feedBox.addEventListener("scroll", () => { if (nearEnd()) readMoreRows(20); });
// The feed opens when its panel comes near the viewport: a browser keeps at most six
// connections to one server, and the feed and the statistics hold one each for good.
new IntersectionObserver((entries, observer) => {
  if (!entries.some((entry) => entry.isIntersecting)) return;
  observer.disconnect();
  readMoreRows(30);
}, { rootMargin: "200px" }).observe(feedBox);

// 4. Server statistics over server-sent events.
let updates = 0;
const transferRows = document.getElementById("stat-transfers");
function showTransfers(transfers) {
  transferRows.replaceChildren();
  for (const t of transfers.slice(0, 8)) {
    const row = document.createElement("tr");
    const sent = formatBytes(t.sent) + (t.total === null ? "" : " of " + formatBytes(t.total));
    const state = t.waiting ? "waiting on the client" : "sending";
    for (const text of [t.path, sent, formatBytes(t.rate) + "/s", state]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    transferRows.append(row);
  }
}
const events = new EventSource("/api/stats");
events.addEventListener("stats", (event) => {
  const stats = JSON.parse(event.data);
  updates += 1;
  document.getElementById("stat-updates").textContent = String(updates);
  document.getElementById("stat-active").textContent = String(stats.active);
  document.getElementById("stat-rate").textContent = formatBytes(stats.bytes_per_second) + "/s";
  document.getElementById("stat-waiting").textContent = String(stats.waiting);
  document.getElementById("stat-connections").textContent = String(stats.connections);
  document.getElementById("stat-total").textContent = formatBytes(stats.bytes_sent);
  showTransfers(stats.transfers);
  for (const range of stats.ranges) logRange(range);
  if (feedId !== null && !feedOver && stats.feeds[feedId] !== undefined) {
    document.getElementById("feed-made").textContent = String(stats.feeds[feedId]);
  }
});

// 5. Upload (shown only when the server runs with --upload).
fetch("/api/config").then((r) => r.json()).then((config) => {
  if (!config.upload) return;
  document.getElementById("upload").hidden = false;
  const input = document.getElementById("upload-file");
  const bar = document.getElementById("upload-progress");
  const state = document.getElementById("upload-state");
  input.addEventListener("change", () => {
    const file = input.files[0];
    if (!file) return;
    const target = "/uploads/" + encodeURIComponent(file.name);
    const request = new XMLHttpRequest();
    request.open("PUT", target);
    bar.value = 0;
    state.textContent = "sending…";
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) bar.value = event.loaded / event.total;
      state.textContent = formatBytes(event.loaded) + " of " + formatBytes(file.size) + " sent";
    });
    request.addEventListener("load", () => {
      state.replaceChildren();
      if (request.status === 201 || request.status === 204) {
        bar.value = 1;
        const link = document.createElement("a");
        link.href = target;
        link.textContent = target;
        state.append(`stored (HTTP ${request.status}): `, link);
      } else {
        state.textContent = `refused: HTTP ${request.status} ${request.responseText.trim()}`;
      }
    });
    request.addEventListener("error", () => { state.textContent = "failed: the connection broke"; });
    request.send(file);
  });
});
