#!/usr/bin/env bash
# --profile in the guests: base and patched boot under TCG with perf (and
# its libraries, guest/perf-files.sh) in the initramfs; a profiled pread
# (threads and processes, 1 and 2 workers) comes back with a profile object
# on every record, kernel symbols resolved, and the folded stacks merged
# into DIR/profiles/. About 25 s a kernel on the 2-core VM (TCG).
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
[ -x "$FOLIO_LAB_BUILD/static/folio-lab" ] || skip "$FOLIO_LAB_BUILD/static/folio-lab missing (./run.sh build)"
"$LAB_ROOT/guest/perf-files.sh" >/dev/null 2>"$TEST_TMP/perf-files.err" ||
	skip "no perf for the guest: $(cat "$TEST_TMP/perf-files.err")"

out="$TEST_TMP/out"
labels=(base patched)
for label in "${labels[@]}"; do
	tree=$(kernel_tree "$label") || fail "no $label kernel"
	"$LAB_ROOT/guest/run.sh" --kernel "$label=$tree" --accel tcg --timeout 600 --no-module \
		--out "$out" -- --workloads pread --workers 1,2 --duration 0.5 --reps 1 --profile ||
		fail "profiled guest run of $label failed"
	[ -d "$out/raw-$label/profiles" ] ||
		fail "$label: no profiles/ in the guest's results"
	ok "$label: profiled suite ran"
done
python3 - "$out" "${labels[@]}" <<'PY' || fail "guest profile records"
import json, os, sys
d, labels = sys.argv[1], sys.argv[2:]
rs = [json.loads(l) for l in open(os.path.join(d, "samples.jsonl"))]
for label in labels:
    mine = [r for r in rs if r["kernel"] == label]
    assert len(mine) == 4, (label, len(mine))
    for r in mine:
        p = r.get("profile")
        what = "%s workers=%d %s" % (label, r["workers"], r["mode"])
        assert p, "no profile: " + what
        assert r["where"] == "guest", what
        assert p["samples"] > 0, what
        assert 0 <= p["refcount_leaf_share"] <= p["refcount_share"] <= 1, (what, p)
        assert sum(t["share"] for t in p["top"]) <= 1 + 1e-9, (what, p["top"])
        f = os.path.join(d, p["folded"])
        assert os.path.isfile(f), (what, f)
        text = open(f).read()
        # kernel symbols resolved inside the guest
        assert "shmem_file_read_iter" in text and "do_syscall_64" in text, (what, f)
        print("%s: samples %d, refcount_share %.3f, leaf %.3f, top %s" % (
            what, p["samples"], p["refcount_share"], p["refcount_leaf_share"],
            ", ".join("%s %.2f" % (t["symbol"], t["share"]) for t in p["top"][:3])))
PY
ok "profiles from ${labels[*]}: every record profiled, kernel symbols resolved, folded stacks merged"
