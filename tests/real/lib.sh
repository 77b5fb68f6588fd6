# shellcheck shell=bash
# tests/real/lib.sh - start and stop a real Apache Fluss cluster (ZooKeeper, coordinator,
# tablet servers) and a real Apache Kafka KRaft node on 127.0.0.1, from published jars.
# Sourced by tests/real/run.sh, fluss.sh and kafka.sh; see tests/real/README.md.
#
# How each process is started follows Fluss's own scripts (apache/fluss v0.9.1-incubating,
# fluss-dist/src/main/resources/bin/fluss-daemon.sh, config.sh, local-cluster.sh): the main
# classes, `--configDir DIR` holding server.yaml, the JDK 17 --add-opens for Arrow, and the
# ZooKeeper shaded into fluss-server. Config keys: fluss-common/.../config/ConfigOptions.java.
#
# Every process is started by us, remembered by pid in its run dir and stopped by that pid.
# Ports are chosen free at start. Readiness is awaited by retrying with a deadline.

KFB_ROOT=${KFB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
REAL_SRC=$KFB_ROOT/tests/real
REAL_OUT=${REAL_OUT:-$KFB_ROOT/build/java}
# Small heaps for a 2-core, shared machine; override for benchmarks.
REAL_JVM_OPTS=${REAL_JVM_OPTS:--XX:+UseSerialGC -XX:MaxMetaspaceSize=192m -Xss512k -Djava.net.preferIPv4Stack=true}
# fluss-daemon.sh adds this on JDK >= 17 so that Arrow can reach java.nio internals.
REAL_ADD_OPENS=--add-opens=java.base/java.nio=org.apache.arrow.memory.core,ALL-UNNAMED
REAL_START_TIMEOUT=${REAL_START_TIMEOUT:-120}

real_log() { echo "real: $*" >&2; }

real_have_tools() { command -v java >/dev/null && command -v mvn >/dev/null; }

# real_jars NAME: the jars of tests/real/NAME/pom.xml copied into $REAL_OUT/lib/NAME (once;
# again when the POM changes). Maven caches them in its local repository (~/.m2).
real_jars() {
    local name=$1 dir=$REAL_OUT/lib/$1 pom=$REAL_SRC/$1/pom.xml
    if [ ! -f "$dir/.done" ] || [ "$pom" -nt "$dir/.done" ]; then
        rm -rf "$dir"; mkdir -p "$dir"
        real_log "resolving the $name jars (mvn dependency:copy-dependencies)"
        mvn -B -q -f "$pom" dependency:copy-dependencies -DoutputDirectory="$dir" \
            >"$REAL_OUT/mvn-$name.log" 2>&1 ||
            { cat "$REAL_OUT/mvn-$name.log" >&2; real_log "mvn failed for $pom"; return 1; }
        touch "$dir/.done"
    fi
}

# real_classpath NAME: the classpath of real_jars NAME (plus target/*.jar for built programs).
real_classpath() {
    local cp="" j
    for j in "$REAL_OUT/lib/$1"/*.jar; do cp=${cp:+$cp:}$j; done
    echo "$cp"
}

# real_build_java NAME: compiles tests/real/NAME (judge, producer) into $REAL_OUT/NAME and
# copies its dependencies into $REAL_OUT/lib/NAME, when a source or the POM changed.
real_build_java() {
    local name=$1 src=$REAL_SRC/$1 out=$REAL_OUT/$1
    local jar=$out/$name-1.jar
    if [ ! -f "$jar" ] || [ -n "$(find "$src" -newer "$jar" -type f 2>/dev/null | head -n 1)" ]; then
        real_log "building $name (mvn package)"
        mkdir -p "$REAL_OUT"
        mvn -B -q -f "$src/pom.xml" -Dkfb.out="$out" package >"$REAL_OUT/mvn-$name-build.log" 2>&1 ||
            { cat "$REAL_OUT/mvn-$name-build.log" >&2; real_log "building $name failed"; return 1; }
    fi
    real_jars "$name" || return 1
}

# real_java NAME MAIN ARGS...: runs a built program with its classpath.
real_java() {
    local name=$1 main=$2; shift 2
    ${REAL_JAVA_EXEC:-} java -Xmx512m $REAL_JVM_OPTS --add-opens=java.base/java.nio=ALL-UNNAMED \
        -cp "$REAL_OUT/$name/$name-1.jar:$(real_classpath "$name")" "$main" "$@"
}

# The judge, with a watchdog for everything but `ready` (which has its own deadline): a
# judge that has not answered within KFB_JUDGE_TIMEOUT seconds (120) prints its threads
# (SIGQUIT) and is killed, then asked once more. It only reads, so asking again is safe; a
# judge that answers with mismatches is never asked again.
judge() {
    [ "${1:-}" = ready ] && { real_java judge kfb.judge.Judge "$@"; return; }
    local t=${KFB_JUDGE_TIMEOUT:-120} rc=0 attempt pid dog
    for attempt in 1 2; do
        (REAL_JAVA_EXEC="exec" real_java judge kfb.judge.Judge "$@") & # $! is the JVM itself
        pid=$!
        # the dog's sleep must die with it and hold no output pipe (a test's $(...) would
        # wait for an orphaned sleep to end)
        (
            trap 'kill "$s" 2>/dev/null; exit 0' TERM
            sleep "$t" & s=$!
            wait "$s"
            kill -QUIT "$pid" 2>/dev/null && sleep 3 && kill -KILL "$pid" 2>/dev/null
        ) </dev/null >/dev/null 2>&1 &
        dog=$!
        wait "$pid"; rc=$?
        kill "$dog" 2>/dev/null; wait "$dog" 2>/dev/null
        [ "$rc" -ne 137 ] && return "$rc"
        real_log "the judge did not answer within ${t} s (its threads above); attempt $attempt of 2"
    done
    return "$rc"
}

# real_free_ports N: N distinct free TCP ports on 127.0.0.1, one per line (bound together,
# then released, so they differ from each other).
real_free_ports() {
    python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
for s in socks:
    print(s.getsockname()[1])
EOF
}

# real_wait_port PORT PIDFILE WHAT LOG: retries a TCP connect until it succeeds, the process
# dies, or REAL_START_TIMEOUT passes.
real_wait_port() {
    local port=$1 pidfile=$2 what=$3 log=$4 deadline=$((SECONDS + REAL_START_TIMEOUT))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            real_log "$what exited during start-up; last lines of $log:"
            tail -n 40 "$log" >&2; return 1
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.2
    done
    real_log "$what did not listen on 127.0.0.1:$port within ${REAL_START_TIMEOUT}s; see $log"
    return 1
}

# real_spawn PIDFILE LOG CMD...: starts CMD in the background (own session, so a test's
# signals do not reach it), stdout+stderr to LOG, pid to PIDFILE.
real_spawn() {
    local pidfile=$1 log=$2; shift 2
    setsid "$@" >"$log" 2>&1 </dev/null &
    echo $! >"$pidfile"
}

# real_stop_pid PIDFILE WHAT: SIGTERM, wait up to 20 s, then SIGKILL; only that pid.
real_stop_pid() {
    local pidfile=$1 what=$2 pid i
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then
            real_log "$what (pid $pid) still running after 20 s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null
            for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
    fi
    rm -f "$pidfile"
}

real_log4j_conf() { # FILE: log4j2 properties, everything to the file -Dlog.file names
    cat >"$1" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.main.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = File
appender.main.append = true
appender.main.fileName = ${sys:log.file}
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-40c{1.} - %m%n
logger.zk.name = org.apache.fluss.shaded.zookeeper3
logger.zk.level = WARN
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.kafkaorg.name = org.apache.kafka
logger.kafkaorg.level = WARN
EOF
}

# ------------------------------------------------------------------------------ Fluss

# fluss_server_yaml FILE ZKPORT PORT DIR [TABLET_ID]
fluss_server_yaml() {
    local file=$1 zk=$2 port=$3 dir=$4 id=${5:-}
    {
        echo "zookeeper.address: 127.0.0.1:$zk"
        echo "bind.listeners: FLUSS://127.0.0.1:$port"
        echo "remote.data.dir: $dir/remote"
        echo "default.bucket.number: 1"
        echo "default.replication.factor: 1"
        # few threads and small buffers: this runs on 2 cores beside the tests
        echo "netty.server.num-network-threads: 1"
        echo "netty.server.num-worker-threads: 2"
        echo "server.io-pool.size: 2"
        echo "server.background.threads: 2"
        echo "server.buffer.memory-size: 64mb"
        echo "server.buffer.per-request-memory-size: 8mb"
        echo "kv.snapshot.scheduler-thread-num: 1"
        echo "kv.snapshot.transfer-thread-num: 1"
        echo "log.segment.file-size: 64mb"
        echo "log.index.file-size: 1mb"
        # below the 100mb default, so that the too-large-request test sends 17 MB, not 100;
        # still above the Java writer's 10 MiB client.writer.request-max-size
        echo "netty.server.max-request-size: 16mb"
        if [ -n "$id" ]; then
            echo "tablet-server.id: $id"
            echo "data.dir: $dir/ts$id/data"
        else
            echo "data.dir: $dir/coordinator/data"
        fi
    } >"$file"
}

# fluss_start DIR [TABLET_SERVERS]: ZooKeeper, a coordinator and N (default 2) tablet servers,
# data under DIR; writes DIR/fluss.env (FLUSS_BOOTSTRAP=127.0.0.1:PORT, ports) and waits until
# the cluster lists N tablet servers. Returns non-zero (processes left for fluss_stop) on failure.
fluss_start() {
    local dir=$1 n=${2:-2} i t0=$SECONDS
    real_jars fluss && real_build_java judge || return 1
    mkdir -p "$dir/zk/data" "$dir/remote" "$dir/coordinator/conf"
    local ports; mapfile -t ports < <(real_free_ports $((n + 2))) && [ ${#ports[@]} -eq $((n + 2)) ] || return 1
    local zk=${ports[0]} coord=${ports[1]}
    real_log4j_conf "$dir/log4j2.properties"
    local cp; cp=$(real_classpath fluss)
    local log_opts="-Dlog4j.configurationFile=file:$dir/log4j2.properties"
    cat >"$dir/zk/zoo.cfg" <<EOF
dataDir=$dir/zk/data
clientPort=$zk
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
tickTime=1000
EOF
    real_spawn "$dir/zk.pid" "$dir/zk/out.log" java -Xmx128m $REAL_JVM_OPTS $log_opts \
        -Dlog.file="$dir/zk/zk.log" -cp "$cp" \
        org.apache.fluss.shaded.zookeeper3.org.apache.zookeeper.server.quorum.QuorumPeerMain \
        "$dir/zk/zoo.cfg"
    real_wait_port "$zk" "$dir/zk.pid" ZooKeeper "$dir/zk/zk.log" || return 1

    fluss_server_yaml "$dir/coordinator/conf/server.yaml" "$zk" "$coord" "$dir"
    real_spawn "$dir/coordinator.pid" "$dir/coordinator/out.log" java -Xmx256m $REAL_JVM_OPTS \
        "$REAL_ADD_OPENS" $log_opts -Dlog.file="$dir/coordinator/coordinator.log" -cp "$cp" \
        org.apache.fluss.server.coordinator.CoordinatorServer --configDir "$dir/coordinator/conf"
    local ts_ports=""
    for ((i = 0; i < n; i++)); do
        local p=${ports[$((i + 2))]}
        ts_ports="$ts_ports $p"
        mkdir -p "$dir/ts$i/conf"
        fluss_server_yaml "$dir/ts$i/conf/server.yaml" "$zk" "$p" "$dir" "$i"
        real_spawn "$dir/ts$i.pid" "$dir/ts$i/out.log" java -Xmx384m $REAL_JVM_OPTS \
            "$REAL_ADD_OPENS" $log_opts -Dlog.file="$dir/ts$i/tablet.log" -cp "$cp" \
            org.apache.fluss.server.tablet.TabletServer --configDir "$dir/ts$i/conf"
    done
    cat >"$dir/fluss.env" <<EOF
FLUSS_BOOTSTRAP=127.0.0.1:$coord
FLUSS_ZK_PORT=$zk
FLUSS_COORDINATOR_PORT=$coord
FLUSS_TABLET_PORTS="${ts_ports# }"
FLUSS_TABLET_SERVERS=$n
EOF
    real_wait_port "$coord" "$dir/coordinator.pid" "Fluss coordinator" \
        "$dir/coordinator/coordinator.log" || return 1
    for ((i = 0; i < n; i++)); do
        real_wait_port "${ports[$((i + 2))]}" "$dir/ts$i.pid" "Fluss tablet server $i" \
            "$dir/ts$i/tablet.log" || return 1
    done
    judge ready "127.0.0.1:$coord" "$n" "$REAL_START_TIMEOUT" || return 1
    echo "FLUSS_START_SECONDS=$((SECONDS - t0))" >>"$dir/fluss.env"
    real_log "Fluss up at 127.0.0.1:$coord ($n tablet servers) in $((SECONDS - t0)) s"
}

# fluss_stop_tablet DIR I / fluss_start_tablet DIR I: one tablet server (Fluss restart tests).
fluss_stop_tablet() { real_stop_pid "$1/ts$2.pid" "Fluss tablet server $2"; }
fluss_start_tablet() {
    local dir=$1 i=$2 cp; cp=$(real_classpath fluss)
    real_spawn "$dir/ts$i.pid" "$dir/ts$i/out.log" java -Xmx384m $REAL_JVM_OPTS "$REAL_ADD_OPENS" \
        -Dlog4j.configurationFile=file:"$dir/log4j2.properties" -Dlog.file="$dir/ts$i/tablet.log" \
        -cp "$cp" org.apache.fluss.server.tablet.TabletServer --configDir "$dir/ts$i/conf"
    local port; port=$(sed -n 's/^bind.listeners: FLUSS:\/\/127.0.0.1://p' "$dir/ts$i/conf/server.yaml")
    real_wait_port "$port" "$dir/ts$i.pid" "Fluss tablet server $i" "$dir/ts$i/tablet.log"
}

# fluss_stop DIR: tablet servers, coordinator, ZooKeeper (in that order), by pid.
fluss_stop() {
    local dir=$1 f
    for f in "$dir"/ts*.pid; do
        [ -f "$f" ] && real_stop_pid "$f" "Fluss tablet server $(basename "$f" .pid)"
    done
    real_stop_pid "$dir/coordinator.pid" "Fluss coordinator"
    real_stop_pid "$dir/zk.pid" ZooKeeper
}

# ------------------------------------------------------------------------------ Kafka

# kafka_start DIR: one KRaft node (broker + controller) on 127.0.0.1; writes DIR/kafka.env
# (KAFKA_BOOTSTRAP=127.0.0.1:PORT) and waits until the broker answers.
kafka_start() {
    local dir=$1 t0=$SECONDS
    real_jars kafka || return 1
    mkdir -p "$dir/kafka/data"
    local ports; mapfile -t ports < <(real_free_ports 2) && [ ${#ports[@]} -eq 2 ] || return 1
    local port=${ports[0]} cport=${ports[1]} cp; cp=$(real_classpath kafka)
    real_log4j_conf "$dir/kafka/log4j2.properties"
    cat >"$dir/kafka/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/kafka/data
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
background.threads=2
log.cleaner.enable=false
auto.create.topics.enable=false
EOF
    local jopts="-Xmx512m $REAL_JVM_OPTS -Dlog4j2.configurationFile=file:$dir/kafka/log4j2.properties -Dlog.file=$dir/kafka/kafka.log"
    # KRaft storage must be formatted with a cluster id before the first start.
    java $jopts -cp "$cp" kafka.tools.StorageTool format -t "$(java $jopts -cp "$cp" \
        kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)" \
        -c "$dir/kafka/server.properties" >"$dir/kafka/format.log" 2>&1 ||
        { cat "$dir/kafka/format.log" >&2; real_log "kafka storage format failed"; return 1; }
    real_spawn "$dir/kafka.pid" "$dir/kafka/out.log" java $jopts -cp "$cp" kafka.Kafka \
        "$dir/kafka/server.properties"
    echo "KAFKA_BOOTSTRAP=127.0.0.1:$port" >"$dir/kafka.env"
    real_wait_port "$port" "$dir/kafka.pid" Kafka "$dir/kafka/kafka.log" || return 1
    echo "KAFKA_START_SECONDS=$((SECONDS - t0))" >>"$dir/kafka.env"
    real_log "Kafka up at 127.0.0.1:$port in $((SECONDS - t0)) s"
}

kafka_stop() { real_stop_pid "$1/kafka.pid" Kafka; }
