// The HTTP benchmark's server in Node: `node node_server.js SCENARIO PORT [FILE]`, the same
// program as rillet_server.py. High-water marks are set where streams are made, to
// rillet's: 65536 for the request and response streams (Node 20's default is 16384),
// 1000 for the file stream of `webp`.
"use strict";
const http = require("node:http");
const fs = require("node:fs");

const [scenario, port, path] = process.argv.slice(2);
const HELLO = Buffer.from("Hello, World!");

const listeners = {
  hello(req, res) {
    res.end(HELLO);
  },
  webp(req, res) {
    res.setHeader("Content-Type", "image/webp");
    const stream = fs.createReadStream(path, { highWaterMark: 1000 });
    stream.on("data", (chunk) => res.write(chunk));
    stream.on("end", () => res.end());
  },
  sink(req, res) {
    req.on("data", () => {});
    req.on("end", () => res.end("ok"));
  },
};

const server = http.createServer({ highWaterMark: 65536 }, listeners[scenario]);
server.listen(Number(port), "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
