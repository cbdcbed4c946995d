#!/usr/bin/env python3
"""Loads one license with licenseportal_license and answers quota questions the way a product would.

Usage: check_quotas.py --license F --host-key K --root R [--mac M --serial S] USAGE...
where each USAGE is six comma-separated integers: desktops,images,users,vcpu,vmem,vdisk.

Prints one JSON line per USAGE: {"usage": [...], "desktops": bool, "images": bool, "users": bool, "vcpu": bool,
"vmem": bool, "vdisk": bool, "notExpired": bool}, each the module-level function's answer (the first-generation
client's API); exits 1 if a License method ever disagrees with its module-level function. A rejected license
prints {"rejected": CODE} and exits 3.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import licenseportal_license as lic  # noqa: E402

CHECKS = [
    ("desktops", lic.check_max_desktops, "check_max_desktops"),
    ("images", lic.check_max_images, "check_max_images"),
    ("users", lic.check_max_users, "check_max_users"),
    ("vcpu", lic.check_max_vcpu, "check_max_vcpu"),
    ("vmem", lic.check_max_vmem, "check_max_vmem"),
    ("vdisk", lic.check_max_vdisk, "check_max_vdisk"),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--license", required=True)
    parser.add_argument("--host-key", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--mac")
    parser.add_argument("--serial")
    parser.add_argument("usages", nargs="*")
    args = parser.parse_args()
    with open(args.root, encoding="utf-8", newline="") as f:
        root = f.read()
    try:
        loaded = lic.load_license(args.license, args.host_key, root, mac=args.mac, serial=args.serial)
    except lic.LicenseError as e:
        print(json.dumps({"rejected": e.code, "message": e.message}))
        return 3
    for spec in args.usages:
        usage = [int(x) for x in spec.split(",")]
        if len(usage) != 6:
            raise SystemExit(f"usage {spec!r}: six integers expected")
        answer = {"usage": usage}
        for (name, function, method), n in zip(CHECKS, usage):
            answer[name] = function(n)
            if getattr(loaded, method)(n) != answer[name]:
                print(f"License.{method}({n}) disagrees with the module-level function", file=sys.stderr)
                return 1
        answer["notExpired"] = lic.check_expired_time()
        if loaded.check_expired_time() != answer["notExpired"]:
            print("License.check_expired_time disagrees with the module-level function", file=sys.stderr)
            return 1
        print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
