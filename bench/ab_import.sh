#!/bin/bash
# Interleaved A/B of `vulnwatch import` (docs/performance.md): two builds, e.g. before and after
# a change, take turns on the same SYNTHETIC set (bench/run.sh generates it), each run on a
# fresh database, so both see the same machine; a shared machine's load moves both alike.
#
#   bench/ab_import.sh [quick|full] ROUNDS VULNWATCH_A VULNWATCH_B [whole|vuldef]
#
# whole (default): the overlapping set's VULDEF files, RSS files and mails in one import;
# vuldef: its VULDEF files only. Prints wall time, CPU time (user + sys) and peak RSS of every
# run (/usr/bin/time), then per build the median and the fastest, and B against A.
# The databases go to $TMPDIR (the full set's are 1.3 GB each) and are removed after each run.
set -euo pipefail

mode=${1:-quick}
rounds=${2:-3}
a=${3:?usage: bench/ab_import.sh [quick|full] ROUNDS VULNWATCH_A VULNWATCH_B [whole|vuldef]}
b=${4:?usage: bench/ab_import.sh [quick|full] ROUNDS VULNWATCH_A VULNWATCH_B [whole|vuldef]}
what=${5:-whole}
here=$(cd "$(dirname "$0")" && pwd)
set_dir=$here/data/$mode/overlap
if [ ! -f "$set_dir/SYNTHETIC-SET" ]; then
    echo "no $mode set in $set_dir: run bench/run.sh $mode first" >&2
    exit 2
fi
shopt -s nullglob
files=("$set_dir"/synthetic_jvndb_detail_*.rdf)
if [ "$what" = whole ]; then
    files+=("$set_dir"/synthetic_jvndb_rss_*.rdf "$set_dir"/mail/*.eml)
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/vw-ab.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== $mode, $what: ${#files[@]} files; A = $a, B = $b; $(nproc) CPUs;" \
    "load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
for round in $(seq "$rounds"); do
    for name in A B; do
        bin=$a
        [ "$name" = B ] && bin=$b
        rm -f "$work"/ab.db*
        sync
        /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$bin" --db "$work/ab.db" \
            --log-level warning import "${files[@]}" >"$work/out" 2>&1 || {
            echo "$name failed:" >&2
            tail -5 "$work/out" >&2
            exit 1
        }
        read -r wall user sys rss <"$work/time"
        cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u + s}')
        echo "$name $wall $cpu $rss" >>"$work/results"
        printf "%s round %d   wall %7.2f s   cpu %7.2f s   peak RSS %6.1f MB   (load %s)\n" "$name" \
            "$round" "$wall" "$cpu" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" \
            "$(cut -d' ' -f1 /proc/loadavg)"
    done
done
rm -f "$work"/ab.db*
awk '
function median(list, n,    i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && list[j - 1] > list[j]; j--) {
        t = list[j]; list[j] = list[j - 1]; list[j - 1] = t
    }
    return n % 2 ? list[(n + 1) / 2] : (list[n / 2] + list[n / 2 + 1]) / 2
}
{ n[$1]++; wall[$1, n[$1]] = $2; cpu[$1, n[$1]] = $3 }
END {
    for (name in n) {
        for (i = 1; i <= n[name]; i++) { w[i] = wall[name, i]; c[i] = cpu[name, i] }
        mw[name] = median(w, n[name]); mc[name] = median(c, n[name])
        printf "%s median   wall %7.2f s   cpu %7.2f s   fastest wall %.2f s, cpu %.2f s\n", name, mw[name], mc[name], w[1], c[1]
    }
    printf "B / A (medians)   wall %.3fx   cpu %.3fx\n", mw["B"] / mw["A"], mc["B"] / mc["A"]
}' "$work/results"
