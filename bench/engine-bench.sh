#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Compares sockerlessd with dockerd (Debian's docker.io: dockerd, containerd
# and runc) and podman's Docker-compatible service (Debian's podman, with
# runc), through the same docker CLI, on this machine, in one run.
#
# Usage: bench/engine-bench.sh [CASE...]   (as root; `make bench` runs it)
#
# Cases, all by default, in this order: memory (first, so that "idle" is
# a daemon that has done nothing but load the busybox image), run,
# concurrent, exec, many, logs, images.
# Environment:
#   SOCKERLESSD              the sockerlessd binary (sockerless-monitor must
#                            sit next to it); default: sockerlessd on PATH
#   BENCH_ENGINES            the engines to compare, default
#                            "sockerlessd dockerd podman"; one that is not
#                            installed is left out with a message
#   BENCH_RUNS               runs of each timed command (default 30)
#   BENCH_CONCURRENT         containers of the concurrent case (default 100)
#   BENCH_CLIENTS            concurrent clients of that case (default 8)
#   BENCH_MANY               containers of the many case (default 1000)
#   BENCH_LOG_MB             size of the log docker logs reads (default 100)
#   BENCH_THROUGHPUT_MB      size a container writes to stdout (default 1024)
#   BENCH_RESULTS            a file that receives every number as TSV
#   SOCKERLESS_TEST_IMAGES   directory with busybox.tar and
#                            debian-family.tar.gz; without it the images are
#                            built from the host's packages as the tests do
#
# Every engine runs alone, in turn, with its own socket, data root and exec
# root under a temporary directory, inside a network namespace of its own
# that has only a loopback interface: bridges, NAT rules and registry
# traffic stay in there, and nothing leaves the machine. The registry for
# the pull case runs in the same namespace on 127.0.0.1. Everything is
# stopped and removed at the end.
#
# podman 4.3's compatible API rejects gzip'd archives in docker load, so
# it has only the load-tar case, which loads the same images uncompressed.
#
# Times are wall-clock times of the docker CLI command, so they include the
# CLI's own start-up (about 10 ms) for every engine alike. Memory is the sum
# of VmRSS (and of Pss, which shares library pages fairly) of the engine's
# own processes: sockerlessd and its monitors; dockerd, containerd and the
# containerd shims; podman's service and conmon processes.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
RUNS=${BENCH_RUNS:-30}
CONCURRENT=${BENCH_CONCURRENT:-100}
CLIENTS=${BENCH_CLIENTS:-8}
MANY=${BENCH_MANY:-1000}
LOG_MB=${BENCH_LOG_MB:-100}
THROUGHPUT_MB=${BENCH_THROUGHPUT_MB:-1024}
ENGINES=${BENCH_ENGINES:-sockerlessd dockerd podman}
SOCKERLESSD=${SOCKERLESSD:-$(command -v sockerlessd || true)}
ALL_CASES="memory run concurrent exec many logs images"
CASES=${*:-$ALL_CASES}
BUSYBOX=sockerless-test/busybox:1.35
DEBIAN=sockerless-test/debian:bookworm

die() {
        echo "engine-bench: $*" >&2
        exit 1
}

# die_with_log MESSAGE: die, printing the end of the engine's log first,
# because the cleanup removes the log.
die_with_log() {
        tail -n 20 "$WORK/$ENGINE.log" >&2
        die "$1"
}

note() {
        printf '# %s\n' "$*"
}

[ "$(id -u)" = 0 ] || die "must run as root: the engines create namespaces, cgroups and mounts"
command -v docker >/dev/null || die "the docker CLI is missing (Debian package docker.io)"
for c in $CASES; do
        case " $ALL_CASES " in
        *" $c "*) ;;
        *) die "unknown case '$c': use some of: $ALL_CASES" ;;
        esac
done

WORK=$(mktemp -d /tmp/sl-bench.XXXXXX)
RESULTS=$WORK/results.tsv
: >"$RESULTS"
ENGINE=
ENGINE_PID=
NETNS=
REGISTRY_PID=

# ---------------------------------------------------------------- numbers

now_ms() {
        local ns
        ns=$(date +%s%N)
        echo "$((ns / 1000000)).$(printf '%03d' $(((ns / 1000) % 1000)))"
}

elapsed_ms() {
        awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'
}

# record CASE VALUE UNIT: keep one measured value of the current engine.
record() {
        printf '%s\t%s\t%s\t%s\n' "$ENGINE" "$1" "$2" "$3" >>"$RESULTS"
}

# stats CASE ENGINE: print "median p90 count" of the values recorded.
stats() {
        awk -F'\t' -v c="$1" -v e="$2" '$1 == e && $2 == c { print $3 }' "$RESULTS" | sort -g |
                awk '{ v[NR] = $1 }
                     END {
                         if (NR == 0) { print "- - 0"; exit }
                         m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                         p = v[int(NR * 0.9 + 0.999)]
                         printf "%.1f %.1f %d\n", m, p, NR
                     }'
}

unit_of() {
        awk -F'\t' -v c="$1" '$2 == c { print $4; exit }' "$RESULTS"
}

# time_runs CASE RUNS COMMAND...: time COMMAND, RUNS times, in ms.
time_runs() {
        local name=$1 runs=$2 i start end
        shift 2
        for ((i = 0; i < runs; i++)); do
                start=$(now_ms)
                "$@" >/dev/null 2>"$WORK/last.err" || {
                        note "$ENGINE: $name: '$*' failed: $(head -n 1 "$WORK/last.err")"
                        return 1
                }
                end=$(now_ms)
                record "$name" "$(elapsed_ms "$start" "$end")" ms
        done
}

# ---------------------------------------------------------------- engines

dk() {
        docker -H "unix://$WORK/$ENGINE.sock" "$@"
}

engine_installed() {
        case $1 in
        sockerlessd) [ -n "$SOCKERLESSD" ] && [ -x "$SOCKERLESSD" ] ;;
        dockerd) command -v dockerd >/dev/null && command -v containerd >/dev/null ;;
        podman) command -v podman >/dev/null && command -v runc >/dev/null ;;
        *) return 1 ;;
        esac
}

in_netns() {
        nsenter --net="/run/netns/$NETNS" "$@"
}

# The command line of the current engine's daemon.
engine_command() {
        local dir=$WORK/$ENGINE nproc
        case $ENGINE in
        sockerlessd)
                echo '{ "live-restore": true }' >"$dir/daemon.json"
                # Debug level, for the times of the network steps that
                # record_network_steps reads from the log.
                echo "$SOCKERLESSD" -H "unix://$WORK/$ENGINE.sock" --data-root "$dir/data" \
                        --exec-root "$dir/exec" --pidfile "$dir/pid" --config-file "$dir/daemon.json" \
                        --log-level debug
                ;;
        dockerd)
                echo '{ "live-restore": true }' >"$dir/daemon.json"
                echo dockerd -H "unix://$WORK/$ENGINE.sock" --data-root "$dir/data" \
                        --exec-root "$dir/exec" --pidfile "$dir/pid" --config-file "$dir/daemon.json"
                ;;
        podman)
                mkdir -p "$dir/cni"
                printf '[[registry]]\nlocation = "127.0.0.1:5000"\ninsecure = true\n' >"$dir/registries.conf"
                # podman raises the open-files and processes limits of
                # containers to 1048576 and 4194304 by default; without
                # CAP_SYS_RESOURCE, runc then fails to set them above the
                # hard limits it inherits. Ask for those limits instead:
                # the daemon's own for open files and, for processes, at
                # most the 32768 that conmon had when this was written.
                nproc=$(ulimit -Hu)
                [ "$nproc" != unlimited ] && [ "$nproc" -le 32768 ] || nproc=32768
                printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n' \
                        "$(ulimit -Hn)" "$(ulimit -Hn)" "$nproc" "$nproc" \
                        >"$dir/containers.conf"
                echo podman --root "$dir/data" --runroot "$dir/exec" --runtime runc \
                        --cgroup-manager cgroupfs --events-backend file --network-config-dir "$dir/cni" \
                        system service --time 0 "unix://$WORK/$ENGINE.sock"
                ;;
        esac
}

engine_ping() {
        [ "$(curl -s --max-time 5 --unix-socket "$WORK/$ENGINE.sock" http://localhost/_ping 2>/dev/null)" = OK ]
}

# engine_start: start the daemon and set START_MS to the time until GET
# /_ping returned OK.
engine_start() {
        local start deadline
        mkdir -p "$WORK/$ENGINE"
        start=$(now_ms)
        # The proxy variables send any registry request to a closed port on
        # loopback, so a name missing from the local registry never leaves
        # the host.
        # shellcheck disable=SC2046 # the command line is split on purpose
        HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1 \
                CONTAINERS_REGISTRIES_CONF=$WORK/$ENGINE/registries.conf CONTAINERS_CONF=$WORK/$ENGINE/containers.conf \
                setsid nsenter --net="/run/netns/$NETNS" $(engine_command) \
                >>"$WORK/$ENGINE.log" 2>&1 </dev/null &
        ENGINE_PID=$!
        deadline=$((SECONDS + 120))
        until engine_ping; do
                kill -0 "$ENGINE_PID" 2>/dev/null || die_with_log "$ENGINE exited at start"
                [ "$SECONDS" -lt "$deadline" ] || die_with_log "$ENGINE did not respond to GET /_ping within 120 s"
                sleep 0.01
        done
        START_MS=$(elapsed_ms "$start" "$(now_ms)")
}

engine_stop() {
        local deadline
        [ -n "$ENGINE_PID" ] || return 0
        kill -TERM "$ENGINE_PID" 2>/dev/null
        deadline=$((SECONDS + 60))
        while kill -0 "$ENGINE_PID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
                sleep 0.1
        done
        kill -KILL "$ENGINE_PID" 2>/dev/null
        wait "$ENGINE_PID" 2>/dev/null
        ENGINE_PID=
        # dockerd leaves containerd to exit on its own.
        engine_processes | xargs -r kill -TERM 2>/dev/null
        sleep 1
        engine_processes | xargs -r kill -KILL 2>/dev/null
}

# The PIDs of the engine's own processes: those whose command line names
# its directory (daemon, containerd, shims, monitors, conmon). Containers'
# processes do not name it.
engine_processes() {
        local dir=$WORK/$ENGINE pid
        for pid in /proc/[0-9]*; do
                pid=${pid#/proc/}
                [ "$pid" = "$$" ] && continue
                # A process may exit between the glob and the read.
                { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$dir" && echo "$pid"
        done
}

# memory_kib: print "RSS PSS" in KiB summed over the engine's processes.
memory_kib() {
        local pid rss=0 pss=0 value
        for pid in $(engine_processes | sort -u); do
                value=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
                rss=$((rss + ${value:-0}))
                value=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null)
                pss=$((pss + ${value:-0}))
        done
        echo "$rss $pss"
}

engine_cleanup() {
        engine_stop
        [ -z "$REGISTRY_PID" ] || kill "$REGISTRY_PID" 2>/dev/null
        REGISTRY_PID=
        # Unmount what the engine left mounted below its directory.
        grep -F " $WORK/$ENGINE" /proc/self/mountinfo | awk '{ print $5 }' | sort -r |
                xargs -r -n 1 umount -l 2>/dev/null
        [ -z "$NETNS" ] || ip netns del "$NETNS" 2>/dev/null
        NETNS=
        rm -rf "${WORK:?}/$ENGINE"
}

cleanup() {
        [ -z "$ENGINE" ] || engine_cleanup
        for cg in /sys/fs/cgroup/*/sl-bench /sys/fs/cgroup/sl-bench; do
                [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
        done
        rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- images

image_archive() {
        local name=$1 file=$2
        if [ -n "${SOCKERLESS_TEST_IMAGES:-}" ] && [ -f "$SOCKERLESS_TEST_IMAGES/$file" ]; then
                echo "$SOCKERLESS_TEST_IMAGES/$file"
        else
                "$TOP/tests/fixtures/build-images.sh" "${XDG_CACHE_HOME:-$HOME/.cache}/sockerless-test" "$name"
        fi
}

BUSYBOX_TAR=$(image_archive busybox busybox.tar) || die "no busybox test image"
DEBIAN_TAR=$(image_archive debian debian-family.tar.gz) || DEBIAN_TAR=
# podman's compatible API and skopeo read only uncompressed archives.
DEBIAN_PLAIN=
if [ -n "$DEBIAN_TAR" ]; then
        DEBIAN_PLAIN=$WORK/debian-family.tar
        gzip -dc "$DEBIAN_TAR" >"$DEBIAN_PLAIN" || DEBIAN_PLAIN=
fi

# ---------------------------------------------------------------- cases

remove_all_containers() {
        local ids
        ids=$(dk ps -aq)
        [ -z "$ids" ] || printf '%s\n' "$ids" | xargs -n 50 docker -H "unix://$WORK/$ENGINE.sock" rm -f >/dev/null 2>&1
}

# record_network_steps CASE FIRST_LINE: record the network set-up and
# teardown times, in microseconds, that sockerlessd logged for each
# container from line FIRST_LINE of its log on, as cases setup-CASE and
# teardown-CASE.
record_network_steps() {
        local name=$1 first=$2 us
        [ "$ENGINE" = sockerlessd ] || return 0
        tail -n "+$first" "$WORK/$ENGINE.log" |
                grep -o -E '(Set up|Tore down) the network of container [0-9a-f]+ in [0-9]+ us' |
                while read -r verb _ _ _ _ _ _ _ us _; do
                        case $verb in
                        Set) record "setup-${name#run-}" "$us" us ;;
                        *) record "teardown-${name#run-}" "$us" us ;;
                        esac
                done
}

# time_network_runs CASE COMMAND...: time_runs, then record_network_steps.
time_network_runs() {
        local name=$1 first
        first=$(($(wc -l <"$WORK/$ENGINE.log") + 1))
        time_runs "$name" "$RUNS" "${@:2}"
        record_network_steps "$name" "$first"
}

case_run() {
        # The CLI's own cost, which every docker command below includes.
        time_runs cli-version "$RUNS" dk version
        time_runs run-none "$RUNS" dk run --rm --network none "$BUSYBOX" true
        time_network_runs run-bridge dk run --rm "$BUSYBOX" true
        if dk network create bench-net >/dev/null 2>&1; then
                time_network_runs run-user-network dk run --rm --network bench-net "$BUSYBOX" true
                dk network rm bench-net >/dev/null 2>&1
        else
                note "$ENGINE: run-user-network: network create failed"
        fi
        time_network_runs run-published-port dk run --rm -p 80 "$BUSYBOX" true
}

# The shell ends at SIGTERM, so the stop below measures the engines and
# not the stop timeout: busybox sleep as PID 1 would ignore SIGTERM.
run_detached() {
        dk run -d "$BUSYBOX" sh -c 'trap "exit 0" TERM; sleep 100000 & wait'
}
export -f run_detached dk

case_concurrent() {
        local first start end
        first=$(now_ms)
        seq "$CONCURRENT" | WORK=$WORK ENGINE=$ENGINE BUSYBOX=$BUSYBOX \
                xargs -P "$CLIENTS" -I{} bash -c 'run_detached >/dev/null' ||
                note "$ENGINE: concurrent: some docker run -d failed"
        end=$(now_ms)
        record concurrent-run "$(elapsed_ms "$first" "$end")" ms
        start=$end
        dk ps -q | xargs -P "$CLIENTS" -n 1 docker -H "unix://$WORK/$ENGINE.sock" stop -t 1 >/dev/null 2>&1
        dk ps -aq | xargs -P "$CLIENTS" -n 1 docker -H "unix://$WORK/$ENGINE.sock" rm >/dev/null 2>&1
        end=$(now_ms)
        record concurrent-stop-rm "$(elapsed_ms "$start" "$end")" ms
        record concurrent-total "$(elapsed_ms "$first" "$end")" ms
}

case_exec() {
        local id
        id=$(dk run -d --network none "$BUSYBOX" sleep 100000) || {
                note "$ENGINE: exec: run failed"
                return
        }
        time_runs exec "$RUNS" dk exec "$id" true
        dk rm -f "$id" >/dev/null
}

case_many() {
        local start end i
        start=$(now_ms)
        # shellcheck disable=SC2016 # expanded by the inner shell
        seq "$MANY" | xargs -P "$CLIENTS" -n 50 sh -c \
                'sock=$1 image=$2; shift 2; for _; do docker -H "unix://$sock" create --network none "$image" true >/dev/null || exit 1; done' \
                sh "$WORK/$ENGINE.sock" "$BUSYBOX" 2>/dev/null
        end=$(now_ms)
        note "$ENGINE: created $(dk ps -aq | wc -l) containers in $(elapsed_ms "$start" "$end") ms"
        time_runs ps-a "$RUNS" dk ps -a
        # The engine's part of docker ps -a, without the CLI's decoding and
        # formatting of the reply.
        time_runs ps-a-api "$RUNS" curl -sf --unix-socket "$WORK/$ENGINE.sock" \
                "http://localhost/v1.41/containers/json?all=1" -o /dev/null
        time_runs inspect "$RUNS" dk inspect "$(dk ps -aq | head -n 1)"
        for ((i = 0; i < 5; i++)); do
                engine_stop
                engine_start
                record start-many "$START_MS" ms
        done
        remove_all_containers
}

case_logs() {
        local id line start end i
        line=$(printf '%099d' 0)
        id=$(dk run -d --network none "$BUSYBOX" sh -c \
                "yes $line | head -c $((LOG_MB * 1048576))") || return
        dk wait "$id" >/dev/null
        time_runs logs-read 5 dk logs "$id"
        dk rm -f "$id" >/dev/null
        for ((i = 0; i < 3; i++)); do
                start=$(now_ms)
                id=$(dk run -d --network none "$BUSYBOX" sh -c \
                        "yes $line | head -c $((THROUGHPUT_MB * 1048576))") || return
                dk wait "$id" >/dev/null
                end=$(now_ms)
                record logs-write "$(elapsed_ms "$start" "$end")" ms
                dk rm -f "$id" >/dev/null
        done
}

registry_start() {
        local dir=$WORK/$ENGINE/registry
        mkdir -p "$dir/data"
        cat >"$dir/config.yml" <<EOF
version: 0.1
storage:
  filesystem:
    rootdirectory: $dir/data
http:
  addr: 127.0.0.1:5000
EOF
        in_netns docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
        REGISTRY_PID=$!
        for _ in $(seq 100); do
                in_netns curl -sf http://127.0.0.1:5000/v2/ >/dev/null && break
                sleep 0.1
        done
        in_netns skopeo copy -q --dest-tls-verify=false "docker-archive:$DEBIAN_PLAIN:$DEBIAN" \
                "docker://127.0.0.1:5000/$DEBIAN" >/dev/null
}

remove_images() {
        dk rmi -f "$@" >/dev/null 2>&1
}

case_images() {
        local i
        if [ -z "$DEBIAN_PLAIN" ]; then
                note "$ENGINE: images: no Debian image archive"
                return
        fi
        for ((i = 0; i < 3; i++)); do
                remove_images "$DEBIAN" sockerless-test/nginx:1.22 sockerless-test/redis:7.0
                [ "$ENGINE" = podman ] || time_runs load-gzip 1 dk load -q -i "$DEBIAN_TAR"
                remove_images "$DEBIAN" sockerless-test/nginx:1.22 sockerless-test/redis:7.0
                time_runs load-tar 1 dk load -q -i "$DEBIAN_PLAIN"
        done
        remove_images "$DEBIAN" sockerless-test/nginx:1.22 sockerless-test/redis:7.0
        if command -v docker-registry >/dev/null && command -v skopeo >/dev/null && registry_start; then
                for ((i = 0; i < 3; i++)); do
                        remove_images "127.0.0.1:5000/$DEBIAN"
                        time_runs pull 1 dk pull -q "127.0.0.1:5000/$DEBIAN"
                done
                remove_images "127.0.0.1:5000/$DEBIAN"
        else
                note "$ENGINE: pull: no local registry (docker-registry and skopeo)"
        fi
}

case_memory() {
        local idle busy i
        sleep 2
        idle=$(memory_kib)
        record memory-idle-rss "$(awk -v k="${idle% *}" 'BEGIN { printf "%.1f", k / 1024 }')" MiB
        record memory-idle-pss "$(awk -v k="${idle#* }" 'BEGIN { printf "%.1f", k / 1024 }')" MiB
        for ((i = 0; i < CONCURRENT; i++)); do
                dk run -d "$BUSYBOX" sleep 100000 >/dev/null 2>"$WORK/last.err" || {
                        note "$ENGINE: memory: docker run -d failed: $(head -n 1 "$WORK/last.err")"
                        break
                }
        done
        note "$ENGINE: memory: $(dk ps -q | wc -l) containers running"
        sleep 2
        busy=$(memory_kib)
        record memory-busy-rss "$(awk -v k="${busy% *}" 'BEGIN { printf "%.1f", k / 1024 }')" MiB
        record memory-busy-pss "$(awk -v k="${busy#* }" 'BEGIN { printf "%.1f", k / 1024 }')" MiB
        record memory-per-container-rss "$(awk -v a="${idle% *}" -v b="${busy% *}" -v n="$CONCURRENT" \
                'BEGIN { printf "%.2f", (b - a) / n / 1024 }')" MiB
        record memory-per-container-pss "$(awk -v a="${idle#* }" -v b="${busy#* }" -v n="$CONCURRENT" \
                'BEGIN { printf "%.2f", (b - a) / n / 1024 }')" MiB
        remove_all_containers
}

# ---------------------------------------------------------------- main

bench_engine() {
        NETNS=slbench-$ENGINE-$$
        ip netns add "$NETNS" || die "ip netns add $NETNS failed"
        in_netns ip link set lo up
        engine_start
        record start-empty "$START_MS" ms
        dk load -q -i "$BUSYBOX_TAR" >/dev/null || die "$ENGINE: docker load of $BUSYBOX_TAR failed"
        for c in $CASES; do
                note "$ENGINE: $c"
                "case_$c"
        done
        engine_cleanup
}

engines=()
for ENGINE in $ENGINES; do
        if engine_installed "$ENGINE"; then
                engines+=("$ENGINE")
        else
                note "$ENGINE is not installed: left out"
        fi
done
[ "${#engines[@]}" -gt 0 ] || die "no engine to measure"

note "$(nproc) CPUs, $(uname -r), $(docker --version), runs: $RUNS"
for ENGINE in "${engines[@]}"; do
        bench_engine
done
ENGINE=

# The table: one row per case and engine, with the ratio of sockerlessd's
# median to that engine's.
printf '\n%-26s %-12s %10s %10s %5s %8s\n' case engine median p90 n ratio
cut -f 2 "$RESULTS" | awk '!seen[$0]++' | while read -r name; do
        base=$(stats "$name" sockerlessd)
        for ENGINE in "${engines[@]}"; do
                read -r median p90 n <<<"$(stats "$name" "$ENGINE")"
                [ "$n" = 0 ] && continue
                ratio=$(awk -v s="${base%% *}" -v m="$median" \
                        'BEGIN { if (s == "-" || m + 0 == 0) print "-"; else printf "%.2f", s / m }')
                printf '%-26s %-12s %10s %10s %5s %8s\n' "$name" "$ENGINE" "$median $(unit_of "$name")" \
                        "$p90" "$n" "$ratio"
        done
done

# Network set-up per container: the median of each networked run minus
# that of --network none. For sockerlessd also the medians of the set-up
# and teardown times that it measured itself, which the noise of whole
# runs does not blur.
printf '\n%-26s %-12s %10s %12s %12s\n' "network set-up" engine "ms/run" "set-up us" "teardown us"
for ENGINE in "${engines[@]}"; do
        none=$(stats run-none "$ENGINE")
        for name in run-bridge run-user-network run-published-port; do
                read -r median _ n <<<"$(stats "$name" "$ENGINE")"
                [ "$n" = 0 ] && continue
                read -r setup _ _ <<<"$(stats "setup-${name#run-}" "$ENGINE")"
                read -r teardown _ _ <<<"$(stats "teardown-${name#run-}" "$ENGINE")"
                printf '%-26s %-12s %10s %12s %12s\n' "${name#run-}" "$ENGINE" \
                        "$(awk -v a="${none%% *}" -v b="$median" 'BEGIN { printf "%.1f", b - a }')" \
                        "$setup" "$teardown"
        done
done
[ -z "${BENCH_RESULTS:-}" ] || cp "$RESULTS" "$BENCH_RESULTS"
