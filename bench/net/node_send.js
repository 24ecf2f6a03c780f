// The sending end of the TCP benchmark in Node: `node node_send.js PORT FILE`, the same
// program as rillet_send.py: fs.createReadStream(FILE).pipe(socket), highWaterMark 65536
// on the file stream and on the socket (Node 20's default for sockets is 16384).
"use strict";
const net = require("node:net");
const fs = require("node:fs");

const [port, path] = process.argv.slice(2);
const socket = net.connect({ port: Number(port), host: "127.0.0.1", highWaterMark: 65536 });
socket.on("connect", () => {
  fs.createReadStream(path, { highWaterMark: 65536 }).pipe(socket);
});
socket.on("close", (hadError) => {
  if (hadError) process.exitCode = 1;
});
