#!/usr/bin/env bash
# A local Garnet cluster for tests and benchmarks: 3 primaries and 1 replica (of primary 1), loopback only,
# each a garnet-server process of the version pinned in .config/dotnet-tools.json (`dotnet tool restore`
# installs it). It stops exactly the processes it started.
#
#   cluster.sh start DIR          start the 4 nodes in DIR, form the cluster, print the endpoints
#   cluster.sh stop DIR           stop the nodes listed in DIR/pids (TERM, then KILL); idempotent
#   cluster.sh status DIR         each node's number, port, pid, alive or dead, role
#   cluster.sh wait-sync DIR      wait until every live replica has all of its primary's replication log
#   cluster.sh kill-primary DIR N kill primary N's process with SIGKILL (a crash, no clean shutdown)
#   cluster.sh failover DIR       CLUSTER FAILOVER FORCE on the replica, wait until it is a primary serving its slots
#
# DIR/pids holds one line per node: "NODE PORT PID". DIR/endpoints holds "127.0.0.1:P1,...,127.0.0.1:P4".
# Environment: GARNET_CLUSTER_TIMEOUT (seconds for each bounded wait, default 120); GARNET_NODE_MEMORY (each node's
# main store memory, garnet-server -m, default 256m) and GARNET_NODE_INDEX (each node's hash index, -i, default 64m):
# the defaults suit the tests; 100,000 2048-d vectors need more (the benchmark's garnet section sets 2g and 256m).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
timeout_seconds="${GARNET_CLUSTER_TIMEOUT:-120}"
node_memory="${GARNET_NODE_MEMORY:-256m}"
node_index="${GARNET_NODE_INDEX:-64m}"
node_count=4
replica_node=4
replica_of=1

die() {
    echo "cluster.sh: $*" >&2
    exit 1
}

need_redis_cli() {
    command -v redis-cli >/dev/null 2>&1 || die "redis-cli is missing: apt-get install redis-tools (test.sh does it as root)."
}

# The server's entry point, resolved from the manifest's pinned version in NuGet's package folder, and run
# with `dotnet` directly: `dotnet tool run` would start the server as its own child process, so the pid we
# record would not be the server's, and signalling it would leave the server running.
garnet_dll() {
    local version packages dll
    version="$(sed -nE '/"garnet-server"/,/}/s/.*"version": *"([^"]+)".*/\1/p' "$repo/.config/dotnet-tools.json")"
    [ -n "$version" ] || die "no garnet-server version in $repo/.config/dotnet-tools.json"
    packages="${NUGET_PACKAGES:-$(dotnet nuget locals global-packages --list | sed -nE 's/^global-packages: *//p')}"
    dll="${packages%/}/garnet-server/$version/tools/net10.0/any/GarnetServer.dll"
    [ -f "$dll" ] || die "garnet-server $version is not installed ($dll is missing): run 'dotnet tool restore' in $repo."
    echo "$dll"
}

# True when PID is a live garnet-server listening on PORT: its command line names GarnetServer.dll and
# "--port PORT". A pid the kernel reused for another program, or a zombie (empty command line), is not.
is_our_node() {
    local pid="$1" port="$2" cmdline
    [ -r "/proc/$pid/cmdline" ] || return 1
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
    [[ "$cmdline" == *GarnetServer.dll* && "$cmdline" == *" --port $port "* ]]
}

cli() {
    local port="$1"
    shift
    redis-cli -h 127.0.0.1 -p "$port" "$@" </dev/null 2>/dev/null | tr -d '\r'
}

# "field:value" from INFO SECTION on PORT, or nothing.
info_field() {
    cli "$1" info "$2" | sed -nE "s/^$3:(.*)$/\1/p"
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A port below Linux's ephemeral range (32768 and up) that nothing listens on now. Garnet speaks its cluster
# gossip on the client port, so one port per node is enough.
free_port() {
    local port tries
    for tries in $(seq 1 200); do
        port=$((20000 + RANDOM % 12000))
        if ! port_in_use "$port" && ! grep -qs " $port " "$pids_file"; then
            echo "$port"
            return 0
        fi
    done
    die "no free loopback port found after $tries tries"
}

pids_file=""
load_dir() {
    [ -n "${1:-}" ] || die "a folder is needed: cluster.sh $command_name DIR"
    if [ "$command_name" = start ]; then
        mkdir -p "$1"
    elif [ ! -d "$1" ]; then
        dir="$1"
        pids_file="$1/pids"
        return 0
    fi
    dir="$(cd "$1" && pwd)"
    pids_file="$dir/pids"
}

# Lines "NODE PORT PID" of DIR/pids.
nodes() {
    [ -f "$pids_file" ] && cat "$pids_file"
    return 0
}

node_port() {
    awk -v n="$1" '$1 == n { print $2 }' "$pids_file"
}

node_pid() {
    awk -v n="$1" '$1 == n { print $3 }' "$pids_file"
}

# Runs CHECK (a function name, with arguments) every half second until it succeeds or the timeout passes.
wait_until() {
    local what="$1" deadline
    shift
    deadline=$((SECONDS + timeout_seconds))
    until "$@"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "cluster.sh: timed out after ${timeout_seconds} s waiting for $what" >&2
            return 1
        fi
        sleep 0.5
    done
}

log_tails() {
    local node port pid
    while read -r node port pid; do
        echo "--- node $node (port $port, pid $pid): last lines of $dir/node-$node.log" >&2
        tail -n 15 "$dir/node-$node.log" >&2 2>/dev/null || true
    done < <(nodes)
}

# After a failed start: say why, show the logs, stop what was started.
abort_start() {
    echo "cluster.sh: $*; stopping the nodes started so far" >&2
    log_tails
    stop_nodes
    exit 1
}

node_answers() {
    local node="$1" port="$2" pid="$3"
    is_our_node "$pid" "$port" || abort_start "node $node (port $port) exited during start-up"
    [ "$(cli "$port" ping)" = "PONG" ]
}

node_id() {
    cli "$1" cluster myid
}

cluster_ok() {
    local node port pid
    while read -r node port pid; do
        is_our_node "$pid" "$port" || abort_start "node $node (port $port) exited while the cluster formed"
        local info
        info="$(cli "$port" cluster info)"
        grep -qx "cluster_state:ok" <<<"$info" || return 1
        grep -qx "cluster_slots_assigned:16384" <<<"$info" || return 1
        grep -qx "cluster_known_nodes:$node_count" <<<"$info" || return 1
        # Its view of the roles has caught up through gossip: 3 primaries and the replica.
        cli "$port" cluster nodes | awk -v primaries="$((node_count - 1))" '
            $3 ~ /(^|,)master(,|$)/ { m++ }
            $3 ~ /(^|,)slave(,|$)/ { r++ }
            END { exit !(m == primaries && r == 1) }' || return 1
    done < <(nodes)
}

start() {
    need_redis_cli
    local dll node port pid
    dll="$(garnet_dll)"
    if [ -s "$pids_file" ]; then
        while read -r node port pid; do
            is_our_node "$pid" "$port" && die "$dir already has a running cluster (node $node, pid $pid): cluster.sh stop $dir first"
        done < <(nodes)
    fi
    : >"$pids_file"
    rm -f "$dir/endpoints"

    for node in $(seq 1 "$node_count"); do
        port="$(free_port)"
        rm -rf "$dir/node-$node"
        mkdir -p "$dir/node-$node"
        # setsid: the node outlives this script and is not signalled with the caller's terminal (Ctrl-C, hang-up).
        # Its output goes to its log, never to this script's stdout (a caller reading it would wait for the nodes).
        # --device-type RandomAccess: Garnet's default device needs glibc 2.38, and the server dies on its first disk
        # write without it on Debian 12. --aof: replication and CLUSTER FAILOVER need the append-only file.
        setsid dotnet "$dll" --bind 127.0.0.1 --port "$port" --cluster --enable-vector-set-preview \
            --device-type RandomAccess -m "$node_memory" -i "$node_index" --aof-memory 64m \
            --checkpointdir "$dir/node-$node" --aof --gossip-delay 1 \
            </dev/null >"$dir/node-$node.log" 2>&1 &
        pid=$!
        echo "$node $port $pid" >>"$pids_file"
    done

    while read -r node port pid; do
        wait_until "node $node to answer on port $port" node_answers "$node" "$port" "$pid" ||
            abort_start "node $node did not answer"
    done < <(nodes)

    # The same forming as a deployment on several machines (docker/compose.garnet.yaml): slots split over the 3
    # primaries, a config epoch per node, every node meets every other one, the replica follows primary 1.
    "$repo/docker/garnet/form-cluster.sh" \
        "127.0.0.1:$(node_port 1)" "127.0.0.1:$(node_port 2)" "127.0.0.1:$(node_port 3)" \
        --replica "127.0.0.1:$(node_port "$replica_node")=$replica_of" >&2 ||
        abort_start "the cluster did not form"
    wait_until "cluster_state:ok, all 16384 slots, $node_count nodes and their roles on every node" cluster_ok ||
        abort_start "the cluster did not form"

    local endpoints=""
    while read -r node port pid; do
        endpoints="${endpoints:+$endpoints,}127.0.0.1:$port"
    done < <(nodes)
    echo "$endpoints" >"$dir/endpoints"
    echo "$endpoints"
}

# The state letter in a /proc stat file ("PID (name) STATE ..."), or nothing once it is gone.
state_of() {
    sed -E 's/.*\) (.).*/\1/' "$1" 2>/dev/null || true
}

# True while any thread of PID runs.
has_live_thread() {
    local stat
    for stat in /proc/"$1"/task/*/stat; do
        case "$(state_of "$stat")" in
            Z | X | "") ;;
            *) return 0 ;;
        esac
    done
    return 1
}

# The node on PORT with PID has exited: no thread of it runs, or the pid now belongs to another program. While a
# process exits, its main thread can be a zombie already (its command line empty) while other threads still close
# its sockets: that process is not gone yet.
gone() {
    local pid="$1" port="$2"
    has_live_thread "$pid" || return 0
    is_our_node "$pid" "$port" && return 1
    # Threads still run but the command line is not ours: an empty one is ours on its way out (its memory already
    # released, its main thread not yet a zombie), not gone; a non-empty one is another program that got the pid.
    [ -n "$(tr -d '\0' <"/proc/$pid/cmdline" 2>/dev/null)" ]
}

# TERM every listed node still running, wait, KILL the ones still there, wait again.
stop_nodes() {
    local node port pid signal
    [ -f "$pids_file" ] || return 0
    for signal in TERM KILL; do
        local waiting=()
        while read -r node port pid; do
            # Ours, or ours on its way out (empty command line, threads still running): never another program.
            if ! gone "$pid" "$port"; then
                kill "-$signal" "$pid" 2>/dev/null || true
                waiting+=("$pid:$port")
            fi
        done < <(nodes)
        local entry all_gone=1
        for entry in "${waiting[@]}"; do
            # A killed process can take a while to leave a busy machine (threads in disk waits): up to a minute.
            timeout_seconds=$([ "$signal" = TERM ] && echo 15 || echo 60) wait_until "pid ${entry%%:*} to exit after SIG$signal" gone "${entry%%:*}" "${entry##*:}" 2>/dev/null ||
                all_gone=0
        done
        [ "$all_gone" = 1 ] && break
    done
    while read -r node port pid; do
        gone "$pid" "$port" || die "node $node (pid $pid) is still running after SIGKILL (thread states: $(cat /proc/"$pid"/task/*/stat 2>/dev/null | sed -E 's/.*\) (.).*/\1/' | sort | uniq -c | tr '\n' ' '))"
    done < <(nodes)
    rm -f "$pids_file" "$dir/endpoints"
}

status() {
    local node port pid state role
    [ -s "$pids_file" ] || {
        echo "no cluster in $dir"
        return 0
    }
    printf '%-5s %-6s %-8s %-6s %s\n' node port pid state role
    while read -r node port pid; do
        state=dead
        role=-
        if is_our_node "$pid" "$port"; then
            state=alive
            role="$(info_field "$port" replication role)"
            role="${role/slave/replica}"
            role="${role/master/primary}"
        fi
        printf '%-5s %-6s %-8s %-6s %s\n' "$node" "$port" "$pid" "$state" "${role:--}"
    done < <(nodes)
}

# Every live replica's replication offset has reached its primary's.
replicas_in_sync() {
    local node port pid master_port replica_offset master_offset
    while read -r node port pid; do
        is_our_node "$pid" "$port" || continue
        [ "$(info_field "$port" replication role)" = "slave" ] || continue
        master_port="$(info_field "$port" replication master_port)"
        [ -n "$master_port" ] || return 1
        replica_offset="$(info_field "$port" replication master_repl_offset)"
        master_offset="$(info_field "$master_port" replication master_repl_offset)"
        [ -n "$replica_offset" ] && [ -n "$master_offset" ] && [ "$replica_offset" -ge "$master_offset" ] || return 1
    done < <(nodes)
}

wait_sync() {
    need_redis_cli
    [ -s "$pids_file" ] || die "no cluster in $dir"
    wait_until "every replica to reach its primary's replication offset" replicas_in_sync
}

kill_primary() {
    need_redis_cli
    local node="${1:-}" port pid
    [ -s "$pids_file" ] || die "no cluster in $dir"
    [[ "$node" =~ ^[0-9]+$ ]] || die "usage: cluster.sh kill-primary DIR N (N = the node's number in DIR/pids)"
    port="$(node_port "$node")"
    pid="$(node_pid "$node")"
    [ -n "$pid" ] || die "there is no node $node in $pids_file"
    is_our_node "$pid" "$port" || die "node $node (pid $pid) is not running"
    [ "$(info_field "$port" replication role)" = "master" ] || die "node $node is not a primary"
    kill -KILL "$pid"
    wait_until "node $node (pid $pid) to die" gone "$pid" "$port" || die "node $node (pid $pid) survived SIGKILL"
    echo "killed node $node (port $port, pid $pid)"
}

# The slot ranges ("0-5460 ...") that the node on PORT owns, from its own line of CLUSTER NODES.
own_slots() {
    cli "$1" cluster nodes | awk '$3 ~ /myself/ { for (i = 9; i <= NF; i++) print $i }'
}

# A key that hashes into one of the node's own slots (about one name in three fits: a few CLUSTER KEYSLOT calls).
key_in_own_slots() {
    local port="$1" i slot range
    local -a ranges
    mapfile -t ranges < <(own_slots "$port")
    for i in $(seq 1 200); do
        slot="$(cli "$port" cluster keyslot "failover-probe-$i")"
        [[ "$slot" =~ ^[0-9]+$ ]] || return 1
        for range in "${ranges[@]}"; do
            if [ "$slot" -ge "${range%-*}" ] && [ "$slot" -le "${range#*-}" ]; then
                echo "failover-probe-$i"
                return 0
            fi
        done
    done
    return 1
}

# The replica reports itself primary, its last failover completed, it owns slots, and it serves them: a read of a
# key in one of them is answered, not refused with CLUSTERDOWN (as it is while the new primary recovers).
promoted() {
    local port="$1" key
    [ "$(info_field "$port" replication role)" = "master" ] || return 1
    [ "$(info_field "$port" replication last_failover_state)" = "failover-completed" ] || return 1
    key="$(key_in_own_slots "$port")" || return 1
    [[ "$(cli "$port" exists "$key")" =~ ^[0-9]+$ ]]
}

# Every live node's view, through gossip, has the promoted node ID as a primary owning slots: until then a client
# that asks another node for the topology is sent to the dead primary.
views_agree() {
    local id="$1" node port pid
    while read -r node port pid; do
        is_our_node "$pid" "$port" || continue
        cli "$port" cluster nodes | awk -v id="$id" '
            $1 == id && $3 ~ /(^|,)master(,|$)/ && NF >= 9 { found = 1 }
            END { exit !found }' || return 1
    done < <(nodes)
}

failover() {
    need_redis_cli
    local node port pid replica=""
    [ -s "$pids_file" ] || die "no cluster in $dir"
    while read -r node port pid; do
        if is_our_node "$pid" "$port" && [ "$(info_field "$port" replication role)" = "slave" ]; then
            replica="$node"
            break
        fi
    done < <(nodes)
    [ -n "$replica" ] || die "no live replica in $dir"
    port="$(node_port "$replica")"
    # FORCE: the primary is expected to be dead, so the replica takes its slots over without asking it.
    [ "$(cli "$port" cluster failover force)" = "OK" ] || die "CLUSTER FAILOVER FORCE failed on node $replica"
    wait_until "node $replica to become a primary serving its slots" promoted "$port" ||
        die "node $replica was not promoted: $(cli "$port" info replication | tr '\n' ' ')"
    wait_until "every live node to see node $replica as a primary" views_agree "$(node_id "$port")" ||
        die "the live nodes do not agree that node $replica is a primary"
    echo "node $replica (port $port) is a primary"
}

command_name="${1:-}"
case "$command_name" in
    start | stop | status | wait-sync | kill-primary | failover) ;;
    *)
        sed -nE '2,/^set -euo/{/^set -euo/d;s/^# ?//p}' "${BASH_SOURCE[0]}" >&2
        exit 2
        ;;
esac
load_dir "${2:-}"
case "$command_name" in
    start) start ;;
    stop) stop_nodes ;;
    status) status ;;
    wait-sync) wait_sync ;;
    kill-primary) kill_primary "${3:-}" ;;
    failover) failover ;;
esac
