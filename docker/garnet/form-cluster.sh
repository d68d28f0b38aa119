#!/usr/bin/env bash
# Forms a Garnet cluster out of running garnet-server nodes that were started with --cluster and are not in a
# cluster yet (on one machine, as cluster.sh starts them, or on several, as docker/compose.garnet.yaml does):
#
#   form-cluster.sh PRIMARY... [--replica NODE=N]...
#
# PRIMARY and NODE are host:port (a name or an IP address). The 16384 hash slots are split evenly over the
# primaries in the order given; every node gets a config epoch of its own (so no collision has to be resolved);
# every node meets every other one; each --replica NODE follows primary N (1 = the first PRIMARY). The script
# returns once every node reports cluster_state:ok, all slots assigned, every node known, and the expected number
# of primaries and replicas in its view. Every wait is bounded (GARNET_CLUSTER_TIMEOUT seconds, default 120).
# It needs redis-cli (apt-get install redis-tools). Exit code 1, with the reason on standard error, on failure.
set -euo pipefail

timeout_seconds="${GARNET_CLUSTER_TIMEOUT:-120}"

die() {
    echo "form-cluster.sh: $*" >&2
    exit 1
}

command -v redis-cli >/dev/null 2>&1 || die "redis-cli is missing: apt-get install redis-tools"

primaries=()
replicas=()
replica_of=()
while [ $# -gt 0 ]; do
    case "$1" in
        --replica)
            [ $# -ge 2 ] && [[ "$2" =~ ^[^=]+:[0-9]+=[0-9]+$ ]] || die "--replica wants NODE=N (host:port=primary number), not '${2:-}'"
            replicas+=("${2%%=*}")
            replica_of+=("${2##*=}")
            shift 2
            ;;
        -*) die "unknown option '$1'" ;;
        *)
            [[ "$1" =~ ^[^:]+:[0-9]+$ ]] || die "'$1' is not host:port"
            primaries+=("$1")
            shift
            ;;
    esac
done
[ "${#primaries[@]}" -ge 1 ] || die "usage: form-cluster.sh PRIMARY... [--replica NODE=N]..."
for n in "${replica_of[@]}"; do
    [ "$n" -ge 1 ] && [ "$n" -le "${#primaries[@]}" ] || die "--replica ...=$n: there are ${#primaries[@]} primaries"
done
nodes=("${primaries[@]}" "${replicas[@]}")

cli() {
    local endpoint="$1"
    shift
    redis-cli -h "${endpoint%:*}" -p "${endpoint##*:}" "$@" </dev/null 2>/dev/null | tr -d '\r'
}

# CLUSTER MEET takes an IP address: a name is resolved here (as the node itself would be reached).
ip_of() {
    local host="${1%:*}"
    if [[ "$host" =~ ^[0-9.]+$ ]]; then
        echo "$host"
    else
        getent hosts "$host" | awk '{ print $1; exit }'
    fi
}

wait_until() {
    local what="$1" deadline
    shift
    deadline=$((SECONDS + timeout_seconds))
    until "$@"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "form-cluster.sh: timed out after ${timeout_seconds} s waiting for $what" >&2
            return 1
        fi
        sleep 0.5
    done
}

answers() { [ "$(cli "$1" ping)" = "PONG" ]; }

knows() { cli "$1" cluster nodes | grep -q "^$2 "; }

replica_up() {
    [ "$(cli "$1" info replication | sed -nE 's/^role:(.*)$/\1/p')" = "slave" ] &&
        [ "$(cli "$1" info replication | sed -nE 's/^master_link_status:(.*)$/\1/p')" = "up" ]
}

formed() {
    local node info
    for node in "${nodes[@]}"; do
        info="$(cli "$node" cluster info)"
        grep -qx "cluster_state:ok" <<<"$info" || return 1
        grep -qx "cluster_slots_assigned:16384" <<<"$info" || return 1
        grep -qx "cluster_known_nodes:${#nodes[@]}" <<<"$info" || return 1
        # Its view of the roles has caught up through gossip.
        cli "$node" cluster nodes | awk -v primaries="${#primaries[@]}" -v replicas="${#replicas[@]}" '
            $3 ~ /(^|,)master(,|$)/ { m++ }
            $3 ~ /(^|,)slave(,|$)/ { r++ }
            END { exit !(m == primaries && r == replicas) }' || return 1
    done
}

for node in "${nodes[@]}"; do
    wait_until "$node to answer" answers "$node" || die "$node does not answer"
done

# Run again on a cluster it formed (a restarted deployment whose nodes kept their configuration): nothing to do.
if formed; then
    echo "form-cluster.sh: the cluster is formed already"
    exit 0
fi

count="${#primaries[@]}"
for i in $(seq 0 $((count - 1))); do
    first=$((i * 16384 / count))
    last=$(((i + 1) * 16384 / count - 1))
    [ "$(cli "${primaries[$i]}" cluster addslotsrange "$first" "$last")" = "OK" ] ||
        die "CLUSTER ADDSLOTSRANGE $first $last failed on ${primaries[$i]} (is it started with --cluster, and not in a cluster already?)"
done

epoch=1
for node in "${nodes[@]}"; do
    [ "$(cli "$node" cluster set-config-epoch "$epoch")" = "OK" ] || die "CLUSTER SET-CONFIG-EPOCH $epoch failed on $node"
    epoch=$((epoch + 1))
done

for node in "${nodes[@]}"; do
    for other in "${nodes[@]}"; do
        [ "$node" = "$other" ] && continue
        ip="$(ip_of "$other")"
        [ -n "$ip" ] || die "cannot resolve ${other%:*}"
        [ "$(cli "$node" cluster meet "$ip" "${other##*:}")" = "OK" ] || die "CLUSTER MEET from $node to $other ($ip) failed"
    done
done

# A replica can only follow a primary it knows.
for j in "${!replicas[@]}"; do
    primary="${primaries[$((replica_of[j] - 1))]}"
    id="$(cli "$primary" cluster myid)"
    wait_until "${replicas[$j]} to learn $primary" knows "${replicas[$j]}" "$id" || die "${replicas[$j]} never learned $primary ($id)"
    [ "$(cli "${replicas[$j]}" cluster replicate "$id")" = "OK" ] || die "CLUSTER REPLICATE $id failed on ${replicas[$j]}"
    wait_until "${replicas[$j]} to be a connected replica" replica_up "${replicas[$j]}" || die "${replicas[$j]} did not connect to $primary"
done

wait_until "cluster_state:ok, all 16384 slots and every node's roles on every node" formed || die "the cluster did not form"
