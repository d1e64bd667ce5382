#!/usr/bin/env bash
# Compare planc with Debian's botch (botch-native) on one archive, for one architecture.
#
#   scripts/compare-botch.sh [--data DIR] [--arch ARCH] [--work DIR] [--botch-out DIR]
#
# --data       directory holding Sources.zst and Packages.zst
#              (default: ../shared/data/debian-bullseye relative to the repository)
# --arch       Debian architecture (default: amd64)
# --work       scratch directory (default: a new mktemp -d); kept afterwards
# --botch-out  reuse the output directory of an earlier botch-native run instead of
#              running it again (it takes 40 minutes or more)
#
# Also plans with botch's curated droppable lists as a planc overlay
# (scripts/botch-droppable-overlay.py; BOTCH_DROPPABLE overrides the lists' directory) so
# that planc's suggested breaks and botch's feedback arc set are counted on equal footing.
#
# Not run in CI. Downloads nothing; installs botch with apt-get when it is missing.
# Long jobs run under `nice -n 10`; wall time and peak RSS come from /usr/bin/time -v.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
data="$here/../shared/data/debian-bullseye"
arch=amd64
work=""
botch_out=""
while [ $# -gt 0 ]; do
	case "$1" in
	--data) data="$2"; shift 2 ;;
	--arch) arch="$2"; shift 2 ;;
	--work) work="$2"; shift 2 ;;
	--botch-out) botch_out="$2"; shift 2 ;;
	-h|--help) sed -n '2,18p' "$0"; exit 0 ;;
	*) echo "unknown argument: $1" >&2; exit 2 ;;
	esac
done
[ -n "$work" ] || work="$(mktemp -d -t compare-botch.XXXXXX)"
mkdir -p "$work"
echo "work directory: $work" >&2

# Peak RSS (kB) and wall time of a /usr/bin/time -v report.
peak_kb() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
wall() { awk -F': ' '/Elapsed \(wall clock\) time/ {print $2}' "$1"; }

# --- botch -------------------------------------------------------------------------
if [ -z "$botch_out" ]; then
	if ! command -v botch-native >/dev/null; then
		apt-get install -y botch >&2
	fi
	mkdir -p "$work/in" "$work/botch-out" "$work/botch-tmp"
	zstd -d -f -q "$data/Sources.zst" -o "$work/in/Sources"
	zstd -d -f -q "$data/Packages.zst" -o "$work/in/Packages"
	botch_out="$work/botch-out"; botch_tmp="$work/botch-tmp"
	echo "running botch-native (this takes 40 minutes or more)..." >&2
	# -m: binNMUs have a version other than their source's; -e: ignore the few binaries
	# without a source stanza. Known droppable lists are used (the default).
	nice -n 10 /usr/bin/time -v -o "$work/botch.time" \
		botch-native -m -e -T -v -o "$botch_out" -t "$work/botch-tmp" \
		"$arch" "$work/in/Packages" "$work/in/Sources" \
		>"$work/botch.stdout" 2>"$work/botch.log"
fi

# Sources per SCC: of the full-build source graph (srcgraph.xml, before any drop), and of
# the build graph after botch's droppable lists (stats.json, from botch-print-stats).
# A missing file (botch not finished) gives "-".
cat >"$work/botch-sccs.py" <<'EOF'
import os, sys
import networkx as nx
out = sys.argv[1]
def show(sizes):
    sizes = sorted(sizes, reverse=True)
    return "%d SCCs, largest %s" % (len(sizes), ", ".join(map(str, sizes[:5])) or "-")
def sources(g, nodes):
    return sum(1 for v in nodes if g.nodes[v].get("kind") == "SrcPkg")
try:
    g = nx.read_graphml(os.path.join(out, "srcgraph.xml"))
    print(show([sources(g, c) for c in nx.strongly_connected_components(g) if len(c) > 1]))
except Exception:
    print("-")
try:
    import json
    # print-stats: the SCCs of the build graph once the droppable lists are applied;
    # ratio_source is the number of source vertices of each.
    sccs = json.load(open(os.path.join(out, "stats.json")))["buildgraph"]["sccs"]
    print(show([len(c["ratio_source"]) for c in sccs]))
except Exception:
    print("-")
EOF
botch_sccs="$(/usr/bin/python3 "$work/botch-sccs.py" "$botch_out")"
b_full="$(sed -n 1p <<<"$botch_sccs")"
b_after="$(sed -n 2p <<<"$botch_sccs")"
# A missing or empty file (botch stopped before writing it) counts as "-", not 0.
count_or_dash() { if [ -s "$1" ]; then eval "$2" <"$1"; else echo "-"; fi; }
# remove.list: "src:NAME bin1 bin2 ...", the feedback arc set computed by botch (on top
# of its curated droppable lists).
b_fas_edges="$(count_or_dash "$botch_out/remove.list" "awk '{n += NF - 1} END {print n + 0}'")"
b_fas_sources="$(count_or_dash "$botch_out/remove.list" "awk 'NF > 1' | wc -l")"
b_fvs="$(count_or_dash "$botch_out/feedback_vertex_set.list" "grep -c . || true")"
b_fixpoint="$(count_or_dash "$botch_out/order1.lst" "grep -o 'src:' | wc -l")"
b_wall="-"; b_rss="-"
for t in "$work/botch.time" "$botch_out/../time.txt"; do
	if [ -f "$t" ] && [ -n "$(peak_kb "$t")" ]; then
		b_wall="$(wall "$t")"
		b_rss="$(( $(peak_kb "$t") / 1024 )) MiB"
		break
	fi
done

# --- planc -------------------------------------------------------------------------
(cd "$here" && nice -n 10 cargo build --release >&2)
planc="$here/target/release/planc"
dir="$work/planc-plan"
nice -n 10 /usr/bin/time -v -o "$work/import.time" \
	"$planc" import debian --sources "$data/Sources.zst" --packages "$data/Packages.zst" \
	--arch "$arch" -o "$dir" 2>"$work/import.log"
# Without the overlay the plan has errors (the cycles no declared stage breaks): exit 1.
nice -n 10 /usr/bin/time -v -o "$work/stats.time" \
	"$planc" plan "$dir" --format stats >"$work/stats.txt" 2>"$work/stats.err" || true
nice -n 10 "$planc" plan "$dir" --suggest-breaks "$dir/breaks.kdl" \
	>/dev/null 2>"$work/suggest.err" || true
nice -n 10 /usr/bin/time -v -o "$work/stats-overlay.time" \
	"$planc" plan "$dir" --overlay "$dir/breaks.kdl" --format stats \
	>"$work/stats-overlay.txt" 2>"$work/stats-overlay.err" || true

# --- planc on equal footing: botch's curated droppable lists applied first ------------
# botch's feedback arc set is computed after its droppable lists (weak build-deps dropped
# everywhere, per-source lists); the same drops as a planc overlay put planc's suggested
# breaks on the same footing. The lists are read from the installed botch.
droppable="${BOTCH_DROPPABLE:-/usr/share/botch/droppable}"
c_edges="-"; c_sources="-"; pc_edges="-"; pc_sources="-"; pc_errors="-"
pc_suggest_wall="-"; pc_wall="-"; pc_rss="-"
if [ -d "$droppable" ]; then
	/usr/bin/python3 "$here/scripts/botch-droppable-overlay.py" "$dir" --droppable "$droppable" \
		-o "$dir/curated.kdl" 2>"$work/curated.log"
	read -r c_edges c_sources <<<"$(sed -n 's|^// \([0-9]*\) dependencies in \([0-9]*\) packages.*|\1 \2|p' "$dir/curated.kdl")"
	nice -n 10 /usr/bin/time -v -o "$work/suggest-curated.time" \
		"$planc" plan "$dir" --overlay "$dir/curated.kdl" --suggest-breaks "$dir/breaks-curated.kdl" \
		>/dev/null 2>"$work/suggest-curated.err" || true
	p_breaks_c="$(sed -n 's|^// \([0-9]*\) dependencies in \([0-9]*\) packages.*|\1 \2|p' "$dir/breaks-curated.kdl" 2>/dev/null)"
	read -r pc_edges pc_sources <<<"${p_breaks_c:-? ?}"
	pc_suggest_wall="$(wall "$work/suggest-curated.time")"
	nice -n 10 /usr/bin/time -v -o "$work/stats-curated.time" \
		"$planc" plan "$dir" --overlay "$dir/curated.kdl" --overlay "$dir/breaks-curated.kdl" --format stats \
		>"$work/stats-curated.txt" 2>"$work/stats-curated.err" || true
	pc_errors="$(grep -c '^  × ' "$work/stats-curated.err" || true)"
	pc_wall="$(wall "$work/stats-curated.time")"
	pc_rss="$(( $(peak_kb "$work/stats-curated.time") / 1024 )) MiB"
else
	echo "no droppable lists in $droppable (install botch): equal-footing figures skipped" >&2
fi

# --- side by side ----------------------------------------------------------------------
p_planned="$(sed -n 's/^planned: \([0-9]*\) sources, \([0-9]*\) with a stage1 instance.*/\1 \2/p' "$work/import.log")"
read -r p_sources p_stage1 <<<"$p_planned"
p_breaks="$(sed -n 's|^// \([0-9]*\) dependencies in \([0-9]*\) packages.*|\1 \2|p' "$dir/breaks.kdl")"
read -r p_edges p_edge_sources <<<"${p_breaks:-? ?}"
# The overlay marks the drops that break no cycle (a dependency nothing produces at
# stage1); botch's feedback arc set counts only cycle-breaking edges.
p_unproduced="$(grep -c 'nothing produces it at' "$dir/breaks.kdl" || true)"
p_unbreakable="$(grep -c '^planc::unbreakable-cycle' "$work/stats.err" || true)"
p_errors_after="$(grep -c '^  × ' "$work/stats-overlay.err" || true)"
stat_line() { sed -n "s/^$1: //p" "$work/stats-overlay.txt" | head -1; }
if [ -s "$work/stats-overlay.txt" ]; then
	p_cycles="$(sed -n 's/^cycles at \([^:]*\): \([0-9]*\) components, sizes \([0-9]*\).*/\1: \2 SCCs, largest \3/p' "$work/stats-overlay.txt" | paste -sd';')"
	p_layers="$(stat_line layers)"
	p_targets="$(sed -n 's/^redirected edges: [0-9]* (to \([0-9]*\) earlier instances\{0,1\})/\1/p' "$work/stats-overlay.txt")"
	p_reduced="$(stat_line 'reduced builds')"
	p_fixpoint="$(stat_line 'built from the seed without meeting a cycle')"
else
	p_cycles="(not printed: the plan still has $p_errors_after errors with the overlay, see $work/stats-overlay.err)"
	p_layers="-"; p_targets="-"; p_reduced="-"; p_fixpoint="-"
fi
p_wall="$(wall "$work/stats-overlay.time")"; p_rss="$(( $(peak_kb "$work/stats-overlay.time") / 1024 )) MiB"
i_wall="$(wall "$work/import.time")"

fmt='%-44s | %-40s | %s\n'
printf "$fmt" "figure" "botch-native" "planc"
printf "$fmt" "--------------------------------------------" "----------------------------------------" "----------------------------------------"
b_rest="$(grep -c "^Package:" "${botch_tmp:-$botch_out/../tmp}/tocompile" 2>/dev/null || echo "-")"
printf "$fmt" "sources to build (not in the seed)" "$b_fixpoint from the seed alone + $b_rest" "$p_sources"
printf "$fmt" "built from the seed without a cycle" "$b_fixpoint (build fixpoint)" "$p_fixpoint"
printf "$fmt" "SCCs, full builds (no profile, no drops)" "$b_full" "-"
printf "$fmt" "SCCs after annotations/droppable lists" "$b_after" "$p_cycles"
printf "$fmt" "cycles no declared annotation breaks" "- (ignores annotations)" "$p_unbreakable unbreakable-cycle errors"
printf "$fmt" "sources built reduced (FVS / stage1)" "$b_fvs" "$p_targets redirect targets; reduced builds $p_reduced; $p_stage1 declare a stage1 instance"
printf "$fmt" "edges to drop (FAS / suggested breaks)" "$b_fas_edges in $b_fas_sources sources" "$p_edges in $p_edge_sources sources"
printf "$fmt" "  of which break cycles" "$b_fas_edges" "$(( p_edges - p_unproduced )) (the other $p_unproduced drop what nothing produces at stage1)"
printf "$fmt" "errors left after applying the drops" "-" "$p_errors_after"
printf "$fmt" "curated droppable lists (as planc drops)" "applied (weak + 6 per-source lists)" "$c_edges build-deps in $c_sources sources (stage1)"
printf "$fmt" "edges to drop on top of the curated lists" "$b_fas_edges in $b_fas_sources sources" "$pc_edges in $pc_sources sources"
printf "$fmt" "errors left with curated lists + breaks" "-" "$pc_errors"
printf "$fmt" "build layers" "-" "$p_layers"
printf "$fmt" "wall time" "$b_wall" "import $i_wall; plan $p_wall"
printf "$fmt" "wall time, curated lists" "-" "suggest $pc_suggest_wall; plan $pc_wall"
printf "$fmt" "peak RSS" "$b_rss" "plan $p_rss; with curated lists $pc_rss"
echo "botch output: $botch_out; planc plan: $dir; logs: $work" >&2
