#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks that the start-up code of each binary given sits together, as cmake/startup.order
asks (docs/decisions/0012-startup-code-layout.md).

    startup_layout.py ORDER_FILE BINARY...

For each binary: the functions of ORDER_FILE it defines must be most of the names the file has
for it (an order file that no longer matches the code is reported), and the address range
they span must be at most their own size plus a little: 1.3 times, plus 64 KiB for objects
built without -ffunction-sections (static archives), which move as a whole. Without the
ordering they spread over the whole text (about three times their size in authd).
"""
import subprocess
import sys


def functions(binary):
    out = subprocess.run(["nm", "--defined-only", "-S", binary], check=True,
                         capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTwW":
            address, size = int(parts[0], 16), int(parts[1], 16)
            if size:
                found.setdefault(parts[3], []).append((address, size))
    return found


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    order = [line.strip() for line in open(sys.argv[1]) if line.strip()]
    failures = []
    for binary in sys.argv[2:]:
        defined = functions(binary)
        listed = [name for name in order if name in defined]
        if len(listed) < 50:
            failures.append(f"{binary}: only {len(listed)} of the order file's functions are "
                            "defined in it; run tools/update-startup-order.sh")
            continue
        ranges = [r for name in listed for r in defined[name]]
        size = sum(s for _, s in ranges)
        span = max(a + s for a, s in ranges) - min(a for a, _ in ranges)
        limit = int(size * 1.3) + 64 * 1024
        text = sum(s for rs in defined.values() for _, s in rs)
        print(f"{binary}: {len(listed)} start-up functions, {size} bytes, spanning {span} bytes "
              f"(limit {limit}) of {text} bytes of functions")
        if span > limit:
            failures.append(f"{binary}: the start-up functions span {span} bytes, more than "
                            f"{limit}: the build did not apply cmake/startup.order")
    for failure in failures:
        print("FAIL " + failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
