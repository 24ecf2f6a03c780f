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

// 2. Video: the server reports each Range it answered through the stats stream.
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
let feedReader = null;
let feedBuffer = "";
let feedBusy = false;
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

async function readMoreRows(wanted) {
  if (feedBusy) return;
  feedBusy = true;
  try {
    if (!feedReader) {
      const response = await fetch("/api/feed");
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
      if (done) break;
      feedBuffer += decoder.decode(value, { stream: true });
    }
  } finally {
    feedBusy = false;
  }
  if (feedBox.scrollHeight - feedBox.scrollTop - feedBox.clientHeight < 120) readMoreRows(20);
}
feedBox.addEventListener("scroll", () => {
  if (feedBox.scrollHeight - feedBox.scrollTop - feedBox.clientHeight < 120) readMoreRows(20);
});
readMoreRows(30);

// 4. Server statistics over server-sent events.
let updates = 0;
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
  for (const range of stats.ranges || []) logRange(range);
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
    const request = new XMLHttpRequest();
    request.open("PUT", "/uploads/" + encodeURIComponent(file.name));
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) bar.value = event.loaded / event.total;
      state.textContent = formatBytes(event.loaded) + " sent";
    });
    request.addEventListener("load", () => { state.textContent = `done: HTTP ${request.status}`; });
    request.addEventListener("error", () => { state.textContent = "failed"; });
    request.send(file);
  });
});
