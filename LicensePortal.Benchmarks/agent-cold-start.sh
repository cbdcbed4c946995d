#!/usr/bin/env bash
# Cold start of `licenseportal-agent check` on a host with an installed license (docs/performance.md, "The host agent's
# cold start"): the NativeAOT executable customers get against the framework-dependent build (`dotnet
# licenseportal-agent.dll`), in the same run, alternating A B A B so a drift of the machine's speed hits both alike.
# Each run is a new process (page cache warm, nothing else shared); wall time from spawn to reap, and in separate runs
# the peak RSS (/usr/bin/time's %M, the kernel's rusage of the finished process).
# Usage: LicensePortal.Benchmarks/agent-cold-start.sh [RUNS]   (default 20)
# Needs the .NET 10 SDK and python3; builds everything into a temp folder, so it never touches the repo's bin/obj.
set -euo pipefail

runs=${1:-20}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/lp-agent-cold-start-XXXXXX")
trap 'rm -rf "$work"' EXIT
test_root="$repo/LicensePortal.Tests/Agent/TestRoot"
state="$work/state"

echo "building the native and the framework-dependent agent and the license tool into $work ..." >&2
# The README's command: a Release publish for linux-x64 is the NativeAOT executable.
dotnet publish "$repo/LicensePortal.Agent" -c Release -r linux-x64 -p:VendorRootPublicKeyFile="$test_root/vendor-root.pub" \
    --artifacts-path "$work/build-native" -o "$work/native" --nologo -v quiet -clp:NoSummary >&2
# The same Release code without -r: IL run by the shared runtime (the agent before NativeAOT).
dotnet publish "$repo/LicensePortal.Agent" -c Release -p:VendorRootPublicKeyFile="$test_root/vendor-root.pub" \
    --artifacts-path "$work/build-fd" -o "$work/fd" --nologo -v quiet -clp:NoSummary >&2
dotnet build "$repo/LicensePortal.Benchmarks" -c Release --artifacts-path "$work/build-bench" --nologo -v quiet -clp:NoSummary >&2

native=("$work/native/licenseportal-agent")
fd=("$(command -v dotnet)" "$work/fd/licenseportal-agent.dll")
check_args=(check --desktops 10 --images 1 --users 1 --vcpus 1 --vmem 1 --vdisk 1 --state-dir "$state")

# The host: its key and host info, a license from the committed test root (the one both builds trust), installed.
"${native[@]}" hostinfo --instance bench-01 --out "$work/hostinfo.txt" --state-dir "$state" >&2
dotnet "$work/build-bench/bin/LicensePortal.Benchmarks/release/LicensePortal.Benchmarks.dll" agent-license \
    --root-key "$test_root/vendor-root.key" --hostinfo "$work/hostinfo.txt" --out "$work/license.lic" >&2
"${native[@]}" install --license "$work/license.lic" --state-dir "$state" >&2
"${native[@]}" "${check_args[@]}" >/dev/null
"${fd[@]}" "${check_args[@]}" >/dev/null

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -sr), .NET SDK $(dotnet --version)"
echo "executable: native $(stat -c %s "${native[0]}") bytes; framework-dependent folder $(du -sb "$work/fd" | cut -f1) bytes"
python3 - "$runs" "${#native[@]}" "${native[@]}" "${fd[@]}" -- "${check_args[@]}" <<'PY'
import os, statistics, sys, tempfile, time

runs, n_native = int(sys.argv[1]), int(sys.argv[2])
rest = sys.argv[3:]
split = rest.index("--")
native, fd, args = rest[:n_native], rest[n_native:split], rest[split + 1:]
variants = {"native": native + args, "framework-dependent": fd + args}
devnull = os.open(os.devnull, os.O_WRONLY)
quiet = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
rss_file = tempfile.NamedTemporaryFile(delete=False).name

def run(argv):
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=quiet)
    code = os.waitstatus_to_exitcode(os.wait4(pid, 0)[1])
    if code != 0:
        sys.exit(f"{' '.join(argv)} exited with {code}")

def wall_ms(argv):
    start = time.perf_counter_ns()
    run(argv)
    return (time.perf_counter_ns() - start) / 1e6

def peak_mib(argv):
    # Through /usr/bin/time: a child spawned by this Python process would start with Python's RSS on its account
    # (the kernel keeps the peak across exec); time's own few hundred KiB stay below any .NET process.
    run(["/usr/bin/time", "-f", "%M", "-o", rss_file] + argv)
    with open(rss_file) as f:
        return int(f.read().split()[-1]) / 1024

for argv in variants.values():  # one warm-up run each, not counted
    run(argv)
walls = {name: [] for name in variants}
peaks = {name: [] for name in variants}
for _ in range(runs):
    for name, argv in variants.items():
        walls[name].append(wall_ms(argv))
    for name, argv in variants.items():
        peaks[name].append(peak_mib(argv))
os.unlink(rss_file)

print(f"check, {runs} runs of each, alternating; median (min-max)")
for name in variants:
    w, p = walls[name], peaks[name]
    print(f"  {name:20} wall {statistics.median(w):6.1f} ms ({min(w):.1f}-{max(w):.1f})"
          f"   peak RSS {statistics.median(p):5.1f} MiB ({min(p):.1f}-{max(p):.1f})")
ratio = [f / n for n, f in zip(walls["native"], walls["framework-dependent"])]
print(f"  framework-dependent / native wall, pair by pair: median {statistics.median(ratio):.1f}x")
PY
