// The web-streams benchmark, Node side: the same program as chunks.py (see there).
// Usage: node bench/web/chunks.mjs [COUNT]; prints one JSON line.
import { ReadableStream, TransformStream, WritableStream } from 'node:stream/web';

const CHUNK = new Uint8Array(64);
const TRANSFORMS = 4;

async function run(count) {
  let remaining = count;
  let received = 0;
  const started = performance.now();
  let stream = new ReadableStream({
    pull(controller) {
      if (remaining) {
        remaining -= 1;
        controller.enqueue(CHUNK);
      } else {
        controller.close();
      }
    },
  });
  for (let i = 0; i < TRANSFORMS; i++) stream = stream.pipeThrough(new TransformStream());
  await stream.pipeTo(new WritableStream({ write() { received += 1; } }));
  const seconds = (performance.now() - started) / 1000;
  if (received !== count) throw new Error(`received ${received} chunks, expected ${count}`);
  return seconds;
}

const count = Number(process.argv[2] ?? 2_000_000);
const seconds = await run(count);
console.log(JSON.stringify({ chunks_per_s: count / seconds, seconds }));
