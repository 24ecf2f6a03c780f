"""The upload client of the HTTP benchmark: ``python post_client.py PORT MIB COUNT``.

Sends COUNT POSTs of MIB MiB each (``Content-Length``, one keep-alive connection) to
127.0.0.1:PORT, each after the previous answer, and prints a JSON line with the bytes
sent and the seconds from the first byte sent to the last answer. The body comes from
memory in one ``sendall`` per request, so the client costs the server's core nothing and
its own core little.
"""

from __future__ import annotations

import http.client
import json
import sys
import time


def main() -> None:
    port, size, count = int(sys.argv[1]), int(sys.argv[2]) << 20, int(sys.argv[3])
    body = bytes(size)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start = time.perf_counter()
    for _ in range(count):
        connection.request("POST", "/", body=body)
        response = connection.getresponse()
        if response.status != 200 or response.read() != b"ok":
            sys.exit(f"unexpected answer: {response.status}")
    seconds = time.perf_counter() - start
    connection.close()
    print(json.dumps({"bytes": size * count, "seconds": seconds}))


if __name__ == "__main__":
    main()
