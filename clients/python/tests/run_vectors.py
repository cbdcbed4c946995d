#!/usr/bin/env python3
"""Runs every license case of docs/test-vectors/vectors.json through licenseportal_license and prints one JSON
line per case: {"name", "expected", "code", "strictCode", "rawRootCode"}.

- code: load_license (the file written to disk as the case's bytes) with the case's now, MAC, serial and the
  identifiers the host presents (expectedIdentifiers), then
  "Expired" when check_expired_time(now) is false, else "None"; a LicenseError gives its code.
- strictCode: the same with reject_expired=True (the command line's rule).
- rawRootCode: as code, but with the root passed as its raw 32 bytes instead of the vendor-root.pub text.

The module has no high-water mark; the caller decides which expected codes apply (not OlderThanInstalled or
ClockWoundBack). Usage: run_vectors.py [VECTOR_DIR] (default: docs/test-vectors of this repository).
"""
import base64
import json
import os
import sys
import tempfile
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import licenseportal_license as lic  # noqa: E402


def code_of(path, host_key, root, case, reject_expired):
    now = datetime.strptime(case["now"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    try:
        loaded = lic.load_license(path, host_key, root, mac=case["expectedMac"], serial=case["expectedSerial"],
                                  identifiers=case["expectedIdentifiers"], now=now, reject_expired=reject_expired)
    except lic.KeyFileError as e:
        return "KeyFile:" + e.code
    except lic.LicenseError as e:
        return e.code
    # The module-level functions answer for the license loaded last.
    if lic.check_expired_time(now) != loaded.check_expired_time(now):
        return "ModuleLevelDisagrees"
    return "None" if loaded.check_expired_time(now) else "Expired"


def main():
    vector_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "docs", "test-vectors")
    with open(os.path.join(vector_dir, "vectors.json"), encoding="utf-8") as f:
        vectors = json.load(f)
    host_key = os.path.join(vector_dir, "host.key")
    with open(os.path.join(vector_dir, "root.pub"), encoding="utf-8", newline="") as f:
        root_text = f.read()
    raw_root = base64.b64decode(root_text.split("\n")[4])
    with tempfile.TemporaryDirectory(prefix="lp-py-vectors-") as tmp:
        for index, case in enumerate(vectors["licenseCases"]):
            path = os.path.join(tmp, f"case-{index}.lic")
            with open(path, "wb") as f:
                # A lone surrogate in the JSON text becomes bytes that are not UTF-8, as in the C# string case.
                f.write(case["text"].encode("utf-8", "surrogatepass"))
            result = {
                "name": case["name"],
                "expected": case["expected"],
                "code": code_of(path, host_key, root_text, case, False),
                "strictCode": code_of(path, host_key, root_text, case, True),
                "rawRootCode": code_of(path, host_key, raw_root, case, False),
            }
            print(json.dumps(result, ensure_ascii=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
