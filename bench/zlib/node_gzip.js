// file -> gzip level 1 -> file with Node's stream.pipeline; prints the seconds it took.
// Usage: node bench/zlib/node_gzip.js SRC DST
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const { pipeline } = require('stream/promises');

async function main(source, destination) {
  const started = process.hrtime.bigint();
  await pipeline(
    fs.createReadStream(source, { highWaterMark: 65536 }),
    zlib.createGzip({ level: 1 }),
    fs.createWriteStream(destination),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

main(process.argv[2], process.argv[3]).then((seconds) => console.log(seconds));
