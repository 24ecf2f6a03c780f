"""Child processes whose pipes are streams (Node's ``child_process.spawn``).

::

    child = rillet.child_process.spawn("sort")
    closed = rillet.once(child, "close")
    child.stdin.end(b"pear\napple\n")
    output = b"".join([chunk async for chunk in child.stdout])  # b"apple\npear\n"
    code, signal = await closed  # (0, None)
"""

from rillet.child_process._child_process import ChildProcess, spawn

__all__ = ["ChildProcess", "spawn"]
