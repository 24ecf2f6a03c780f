// The stream-core benchmark, Node side (issue 2, item 5); chunks.py is the same in rillet.
//
// A Readable whose _read pushes one Buffer until push() returns false, four PassThroughs
// and a Writable whose _write calls back synchronously, joined by pipeline. Every stream
// has highWaterMark 65536 (Node 20's default is 16 KiB). The chunk is one Buffer pushed
// again and again: nothing is copied per chunk.
//
// Usage: node bench/core/chunks.js SCENARIO [COUNT], SCENARIO a (64-byte chunks, default
// 2,000,000) or b (65,536-byte chunks, default 16,384 = 1 GiB). Prints one JSON line:
// chunks/s, MB/s (10^6 bytes/s) and seconds, timed from the streams' creation to the
// pipeline's completion (process start-up left out).
'use strict';
const { Readable, Writable, PassThrough } = require('stream');
const { pipeline } = require('stream/promises');

const HWM = 65536;
const SCENARIOS = { a: [64, 2000000], b: [65536, 16384] };

class Source extends Readable {
  constructor(chunk, count) {
    super({ highWaterMark: HWM });
    this.chunk = chunk;
    this.remaining = count;
  }

  _read(size) {
    const chunk = this.chunk;
    while (this.remaining > 0) {
      this.remaining -= 1;
      if (!this.push(chunk)) return;
    }
    this.push(null);
  }
}

class Sink extends Writable {
  constructor() {
    super({ highWaterMark: HWM });
    this.received = 0;
  }

  _write(chunk, encoding, callback) {
    this.received += chunk.length;
    callback();
  }
}

async function run(size, count) {
  const started = process.hrtime.bigint();
  const sink = new Sink();
  await pipeline(
    new Source(Buffer.alloc(size), count),
    ...Array.from({ length: 4 }, () => new PassThrough({ highWaterMark: HWM })),
    sink,
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (sink.received !== size * count) {
    throw new Error(`received ${sink.received} bytes, expected ${size * count}`);
  }
  return {
    impl: 'node',
    chunk_size: size,
    chunks: count,
    seconds,
    chunks_per_s: count / seconds,
    mb_per_s: (size * count) / seconds / 1e6,
  };
}

const scenario = process.argv[2] || 'a';
const [size, defaultCount] = SCENARIOS[scenario];
const count = process.argv[3] ? Number(process.argv[3]) : defaultCount;
run(size, count).then((result) => console.log(JSON.stringify({ scenario, ...result })));
