#!/bin/bash
# Delivery benchmark (issue 11; DESIGN.md "Non-functional targets": 1,000 queued messages to a
# fast receiver in <= 5 s; a poll's new match at its webhook within 1 s of the poll), all on
# loopback, each figure against a baseline measured in the same run (bench/delivery_bench.py
# says what exactly):
#
#   throughput   `vulnwatch poll --once` delivering 1,000 queued webhooks, on a fresh copy of
#                the store each time, against bench_delivery_floor (bench/delivery_floor.cpp):
#                the same 1,000 POSTs by a bare libcurl loop
#   latency      `vulnwatch run` whose first poll finds one new matching item on a loopback
#                feed server: from the feed sent to the webhook received, against one GET and
#                one POST by the same curl loop
#
#   bench/run_delivery.sh                 best of 3 throughput runs, 7 latency samples
#   REPEAT=5 SAMPLES=15 bench/run_delivery.sh
#   COUNT=5000 bench/run_delivery.sh      more messages
#   JOBS=2                                build with 2 jobs (default 1: the machine is shared)
#   VULNWATCH_BENCH_BUILD=DIR             an existing build directory configured with
#                                         -DVULNWATCH_BUILD_BENCH=ON, used as it is configured
#                                         (default build-bench, configured Release here)
#   DELIVERY_WORK=DIR                     stores and logs (default /tmp/vw-delivery)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=${DELIVERY_WORK:-/tmp/vw-delivery}
mkdir -p "$work"
if [ -n "${VULNWATCH_BENCH_BUILD:-}" ]; then
    build=$VULNWATCH_BENCH_BUILD
else
    build=$root/build-bench
    echo "== configure ($build, Release)"
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVULNWATCH_BUILD_BENCH=ON \
        >/dev/null
fi
echo "== build ($build: $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt"))"
cmake --build "$build" --target vulnwatch bench_delivery_floor -j"${JOBS:-1}" | tail -1

echo "== delivery: $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
/usr/bin/python3 "$here/delivery_bench.py" --build "$build" --work "$work" \
    --count "${COUNT:-1000}" --repeat "${REPEAT:-3}" --samples "${SAMPLES:-7}"
echo "   (load after: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%H:%MZ))"
