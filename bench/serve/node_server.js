// The file-server benchmark's Node server: `node node_server.js ROOT PORT`.
// Each request: the URL path under ROOT, an fs.stat for Content-Length, then
// fs.createReadStream(path).pipe(res) (highWaterMark 65536, set explicitly). Range support
// is the minimum the range case needs, written by hand: `Range: bytes=a-b` → 206 with
// createReadStream(path, {start, end}). No access log. SIGTERM closes the server and exits.
"use strict";
const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");

const [root, port] = process.argv.slice(2);
const ROOT = path.resolve(root);
const TYPES = { ".html": "text/html; charset=utf-8", ".webp": "image/webp" };
const HIGH_WATER_MARK = 65536;

function fail(res, status) {
  res.statusCode = status;
  res.end();
}

const server = http.createServer((req, res) => {
  const file = path.join(ROOT, decodeURIComponent(req.url.split("?")[0]));
  if (!file.startsWith(ROOT + path.sep)) return fail(res, 404);
  fs.stat(file, (error, stat) => {
    if (error || !stat.isFile()) return fail(res, 404);
    res.setHeader("Content-Type", TYPES[path.extname(file)] || "application/octet-stream");
    res.setHeader("Accept-Ranges", "bytes");
    const options = { highWaterMark: HIGH_WATER_MARK };
    let length = stat.size;
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range || "");
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(Number(range[2]), stat.size - 1);
      if (start > end) {
        res.setHeader("Content-Range", `bytes */${stat.size}`);
        return fail(res, 416);
      }
      res.statusCode = 206;
      res.setHeader("Content-Range", `bytes ${start}-${end}/${stat.size}`);
      Object.assign(options, { start, end });
      length = end - start + 1;
    }
    res.setHeader("Content-Length", length);
    fs.createReadStream(file, options).pipe(res);
  });
});

process.on("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
server.listen(Number(port), "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
