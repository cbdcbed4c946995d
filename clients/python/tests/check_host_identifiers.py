#!/usr/bin/env python3
"""Checks licenseportal_license.read_host_identifiers against fake sysfs trees built in a temporary folder, and the
identifiers= argument of verify_license against the committed vector license (docs/test-vectors).

Prints one line per failure ("FAIL ...") and "N/N checks passed"; exits 1 on any failure.
Usage: check_host_identifiers.py [VECTOR_DIR] (default: docs/test-vectors of this repository).
"""
import os
import shutil
import sys
import tempfile
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import licenseportal_license as lic  # noqa: E402

failures = []
checks = [0]


def check(name, actual, expected):
    checks[0] += 1
    if actual != expected:
        failures.append(f"{name}: expected {expected!r}, got {actual!r}")


def raises(name, exception, function):
    checks[0] += 1
    try:
        function()
    except exception:
        return
    except Exception as e:  # noqa: BLE001
        failures.append(f"{name}: expected {exception.__name__}, got {type(e).__name__}: {e}")
        return
    failures.append(f"{name}: expected {exception.__name__}, nothing was raised")


class Tree:
    """A fake file system root: sys/class/net, sys/class/dmi/id, etc/machine-id."""

    def __init__(self, base, name):
        self.root = os.path.join(base, name)
        os.makedirs(self.root)

    def write(self, relative, content):
        path = os.path.join(self.root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(content)

    def remove(self, relative):
        path = os.path.join(self.root, relative)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)

    def interface(self, name, address, device="dir"):
        """device: "dir" (a device directory), "link" (a symlink to one, as in sysfs), "dangling", or None."""
        net = os.path.join(self.root, "sys", "class", "net", name)
        os.makedirs(net, exist_ok=True)
        if address is not None:
            self.write(f"sys/class/net/{name}/address", address + "\n")
        if device == "dir":
            os.makedirs(os.path.join(net, "device"))
        elif device == "link":
            target = os.path.join(self.root, "sys", "devices", "pci0000:00", name)
            os.makedirs(target)
            os.symlink(target, os.path.join(net, "device"))
        elif device == "dangling":
            os.symlink(os.path.join(self.root, "nowhere", name), os.path.join(net, "device"))

    def dmi(self, name, content):
        self.write(f"sys/class/dmi/id/{name}", content)

    def identifiers(self):
        return lic.read_host_identifiers(self.root)


def reading_checks(base):
    t = Tree(base, "full")
    t.interface("lo", "00:00:00:00:00:00", device=None)
    for virtual in ["docker0", "br-3f2a", "veth12ab", "virbr0", "vnet3", "tun0", "tap1", "cni0", "flannel.1", "kube-ipvs0"]:
        t.interface(virtual, "02:42:ac:11:00:%02x" % (len(virtual)), device="dir")
    t.interface("eth0", "52:54:00:AB:CD:EF")
    t.interface("enp9s0", "52:54:00:12:34:56", device="link")
    t.interface("ens5", "52:54:00:ab:cd:ef")            # the same MAC twice (a bond's ports): listed once
    t.interface("wlan0", "52:54:00:00:00:77", device=None)  # no device entry: not physical
    t.interface("ens1", "00:00:00:00:00:00")            # all zeros: not a MAC
    t.interface("ens2", "not a mac")
    t.interface("ens3", None)                           # no address file
    t.interface("ens4", "52:54:00:00:00:44", device="dangling")
    t.interface("ib0", "80:00:02:08:fe:80:00:00:00:00:00:00:00:11:22:33:44:55:66:77")  # 20-byte address
    t.dmi("product_serial", "To Be Filled By O.E.M.\n")
    t.dmi("board_serial", "  BSN-12345 \n")
    t.dmi("product_uuid", "4C4C4544-0042-3510-8052-B4C04F4E3232\n")
    t.write("etc/machine-id", "0123456789ABCDEF0123456789abcdef\n")
    check("full tree", t.identifiers(), [
        "mac 52:54:00:12:34:56",
        "mac 52:54:00:ab:cd:ef",
        "dmi-serial BSN-12345",
        "dmi-uuid 4c4c4544-0042-3510-8052-b4c04f4e3232",
        "machine-id 0123456789abcdef0123456789abcdef",
    ])

    t.dmi("product_serial", "VMware-42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8\n")
    check("product serial before board serial", [i for i in t.identifiers() if i.startswith("dmi-serial ")],
          ["dmi-serial VMware-42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8"])

    for placeholder in ["None", "not specified", "NOT APPLICABLE", "to be filled by o.e.m.", "Default String",
                        "System Serial Number", "0", "0123456789"]:
        t.dmi("product_serial", placeholder + "\n")
        t.dmi("board_serial", placeholder + "\n")
        check(f"placeholder serial {placeholder!r}", [i for i in t.identifiers() if i.startswith("dmi-serial ")], [])

    t.dmi("product_serial", "SN\t1\n")
    t.dmi("board_serial", "\n")
    check("serial with a control character, empty board serial", [i for i in t.identifiers() if i.startswith("dmi-serial ")], [])

    # An unreadable product_serial (here a directory, which even root cannot read as a file) is skipped.
    t.remove("sys/class/dmi/id/product_serial")
    os.makedirs(os.path.join(t.root, "sys", "class", "dmi", "id", "product_serial"))
    t.dmi("board_serial", "BSN-2\n")
    check("unreadable product serial: the board serial", [i for i in t.identifiers() if i.startswith("dmi-serial ")], ["dmi-serial BSN-2"])
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        t.dmi("product_uuid", "4c4c4544-0042-3510-8052-b4c04f4e3232\n")
        os.chmod(os.path.join(t.root, "sys", "class", "dmi", "id", "product_uuid"), 0)
        check("product_uuid without read permission", [i for i in t.identifiers() if i.startswith("dmi-uuid ")], [])
        os.chmod(os.path.join(t.root, "sys", "class", "dmi", "id", "product_uuid"), 0o644)

    for value, expected in [
        ("00000000-0000-0000-0000-000000000000", []),
        ("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", []),
        ("ffffffff-ffff-ffff-ffff-ffffffffffff", []),
        ("4c4c4544-0042-3510-8052-b4c04f4e323", []),
        ("4c4c45440042351080 52b4c04f4e3232", []),
        ("{4c4c4544-0042-3510-8052-b4c04f4e3232}", []),
        ("4c4c4544004235108052b4c04f4e3232", []),
        ("03000200-0400-0500-0006-000700080009", ["dmi-uuid 03000200-0400-0500-0006-000700080009"]),
    ]:
        t.dmi("product_uuid", value + "\n")
        check(f"product_uuid {value!r}", [i for i in t.identifiers() if i.startswith("dmi-uuid ")], expected)

    for value, expected in [
        ("00000000000000000000000000000000", []),
        ("0123456789abcdef0123456789abcde", []),
        ("0123456789abcdef0123456789abcdefa", []),
        ("0123456789abcdef0123456789abcdeg", []),
        ("uninitialized", []),
        ("FEDCBA9876543210FEDCBA9876543210", ["machine-id fedcba9876543210fedcba9876543210"]),
    ]:
        t.write("etc/machine-id", value + "\n")
        check(f"machine-id {value!r}", [i for i in t.identifiers() if i.startswith("machine-id ")], expected)

    empty = Tree(base, "empty")
    check("nothing to read", empty.identifiers(), [])
    check("a root that does not exist", lic.read_host_identifiers(os.path.join(base, "missing")), [])

    only_machine_id = Tree(base, "vm")
    only_machine_id.interface("ens3", "52:54:00:9a:bc:de")
    only_machine_id.write("etc/machine-id", "0123456789abcdef0123456789abcdef")
    check("a VM without DMI", only_machine_id.identifiers(), ["mac 52:54:00:9a:bc:de", "machine-id 0123456789abcdef0123456789abcdef"])


def verification_checks(base, vector_dir):
    """The vector host read from a fake tree verifies the vector license; a replaced card still does, two changes do not."""
    with open(os.path.join(vector_dir, "license.lic"), "rb") as f:
        license_bytes = f.read()
    with open(os.path.join(vector_dir, "host.key"), "rb") as f:
        host_key = lic.read_host_key(f.read())
    with open(os.path.join(vector_dir, "root.pub"), "rb") as f:
        root = f.read()
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=timezone.utc)

    def code(**kwargs):
        try:
            lic.verify_license(license_bytes, host_key, root, now=now, **kwargs)
            return "None"
        except lic.LicenseError as e:
            return e.code

    t = Tree(base, "vector-host")
    t.interface("eth0", "52:54:00:12:34:56", device="link")
    t.interface("eth1", "52:54:00:ab:cd:ef", device="link")
    t.interface("docker0", "02:42:ac:11:00:02", device=None)
    t.dmi("product_serial", "VMware-42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8\n")
    t.dmi("product_uuid", "4c4c4544-0042-3510-8052-b4c04f4e3232\n")
    t.write("etc/machine-id", "0123456789abcdef0123456789abcdef\n")
    check("the vector host reads the license's five identifiers", t.identifiers(),
          lic.verify_license(license_bytes, host_key, root, now=now).host_identifiers)
    check("the vector license record host-match 4", lic.verify_license(license_bytes, host_key, root, now=now).host_match, 4)
    check("vector host: valid", code(identifiers=t.identifiers()), "None")
    t.write("sys/class/net/eth0/address", "52:54:00:12:34:57\n")
    check("vector host with its first card replaced: valid", code(identifiers=t.identifiers()), "None")
    check("... and with the old primary MAC and serial given as well", code(identifiers=t.identifiers(), mac="52:54:00:12:34:57",
                                                                          serial="VMware-42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8"), "None")
    t.dmi("product_uuid", "4c4c4544-0042-3510-8052-b4c04f4e3233\n")
    check("vector host with its card replaced and another UUID: HostMismatch", code(identifiers=t.identifiers()), "HostMismatch")
    check("no identifiers given: step 18 is skipped", code(), "None")
    check("an empty list given: the host presents nothing", code(identifiers=[]), "HostMismatch")
    check("mac= and serial= alone present two of five", code(mac="52:54:00:12:34:56", serial="VMware-42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8"), "HostMismatch")
    check("values are normalized and the order does not matter", code(identifiers=[
        "machine-id 0123456789ABCDEF0123456789ABCDEF", "dmi-uuid 4C4C4544-0042-3510-8052-B4C04F4E3232",
        "mac 52-54-00-AB-CD-EF", "mac 52:54:00:12:34:56"]), "None")
    check("the serial machine-id:<hex> presents the machine id", code(identifiers=[
        "mac 52:54:00:12:34:56", "mac 52:54:00:ab:cd:ef", "dmi-uuid 4c4c4544-0042-3510-8052-b4c04f4e3232"],
        serial="machine-id:0123456789abcdef0123456789abcdef"), "None")
    raises("one string instead of a list", TypeError, lambda: code(identifiers="mac 52:54:00:12:34:56"))
    raises("an unknown kind", ValueError, lambda: code(identifiers=["disk-serial WD-1"]))
    raises("a MAC that is not one", ValueError, lambda: code(identifiers=["mac 52:54:00:12:34"]))
    raises("no space", ValueError, lambda: code(identifiers=["mac"]))
    try:
        lic.verify_license(license_bytes, host_key, root, now=now, identifiers=["mac 52:54:00:12:34:56"])
        message = None
    except lic.LicenseError as e:
        message = e.message
    check("HostMismatch message (as the C# library words it)", message,
          "The license needs 4 of its 5 host identifiers on this host, which presents 1; "
          "missing: mac 52:54:00:ab:cd:ef, dmi-serial VMware-42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8, "
          "dmi-uuid 4c4c4544-0042-3510-8052-b4c04f4e3232, machine-id 0123456789abcdef0123456789abcdef.")


def main():
    vector_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "docs", "test-vectors")
    with tempfile.TemporaryDirectory(prefix="lp-py-hostids-") as base:
        reading_checks(base)
        verification_checks(base, vector_dir)
    for line in failures:
        print("FAIL", line)
    print(f"{checks[0] - len(failures)}/{checks[0]} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
