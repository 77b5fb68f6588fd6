#!/usr/bin/env bash
# docker_files.sh - what can be checked of docker/ without a Docker engine (the stack itself
# is run by docker/e2e.sh on a machine with Docker, never in CI):
#  - docker-compose.yml and the Kubernetes manifests parse (python3-yaml); every file they
#    reference exists; images are pinned; the services, ports and paths agree with each
#    other, with the Dockerfile and with the bridge's configuration files, which pass
#    `kafka-fluss-bridge check-config` (the ConfigMap's with only the Secret's variables);
#  - the Dockerfile's build stage runs the commands `make test` runs; what it copies exists
#    or is built; its runtime packages provide every shared library the copied binaries
#    load (readelf NEEDED -> dpkg -S); non-root user, HEALTHCHECK on /health, entrypoint;
#  - the Grafana dashboard parses and its queries name only the bridge's metrics;
#  - shellcheck (warnings and errors) on every shell script of the repository;
#  - the stack's two tools: sample-producer registers the schemas in a Schema Registry (a
#    stand-in on loopback) and produces exactly kafka-mock gen-orders/gen-customers' messages
#    framed with the registry's ids; fluss-create-tables creates the tables of
#    conf/quickstart/tables.json in the Fluss test server, again idempotently.
# Prints "== docker_files: N ok, M failed ==".
set -uo pipefail
B=${KFB_BUILD:-build/release}
PY=/usr/bin/python3
T=$(mktemp -d /tmp/kfb-docker-files.XXXXXX)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
ok=0; bad=0
pass() { ok=$((ok + 1)); }
fail() { bad=$((bad + 1)); echo "FAIL $1"; shift; for l in "$@"; do echo "  $l"; done; }
check_eq() { if [ "$2" == "$3" ]; then pass; else fail "$1" "want: $2" "got:  $3"; fi; }
check_has() { if grep -qF -- "$2" <<<"$3"; then pass; else fail "$1" "want: $2" "got: $3"; fi; }

# ---- the files: one Python program, one line per check ("ok NAME" / "FAIL NAME: why") --------------
# runtime packages per shared library of the binaries the image copies (for the Dockerfile check)
libs=""
for b in kafka-fluss-bridge sample-producer fluss-create-tables; do
    [ -x "$B/$b" ] || continue
    for so in $(readelf -d "$B/$b" | sed -nE 's/.*Shared library: \[(.*)\]/\1/p'); do
        case "$so" in libasan* | libubsan* | ld-linux*) continue ;; esac
        p=$(ldconfig -p | awk -v s="$so" '$1 == s && /x86-64/ { print $NF; exit }')
        pkg=
        for c in "$p" "/usr$p" "$(readlink -f "$p")"; do
            pkg=$(dpkg -S "$c" 2>/dev/null | head -n 1 | cut -d: -f1) && [ -n "$pkg" ] && break
        done
        libs+="$b $so ${pkg:-?}"$'\n'
    done
done
printf '%s' "$libs" >"$T/libs.txt"

"$PY" - "$B" "$T" <<'EOF' >"$T/checks.txt" 2>&1
import json, os, re, shlex, subprocess, sys
import yaml

build, tmp = sys.argv[1], sys.argv[2]
D = "docker"
def ok(name, cond, why=""):
    print(f"ok {name}" if cond else f"FAIL {name}: {why}")

def load(path, multi=False):
    with open(path) as f:
        return list(yaml.safe_load_all(f)) if multi else yaml.safe_load(f)

BRIDGE_IMAGE = "kafka-fluss-bridge:local"
METRICS = ("kfb_messages_consumed_total kfb_records_written_total kfb_record_errors_total "
           "kfb_messages_dead_lettered_total kfb_consumer_lag kfb_end_to_end_latency_seconds "
           "kfb_putkv_latency_seconds kfb_buffered_bytes kfb_inflight_bytes kfb_paused_partitions "
           "kfb_rebalances_total").split()

def check_config(path, env=None, name="check-config"):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "SR_", "FLUSS_"))}
    e.update(env or {})
    p = subprocess.run([os.path.join(build, "kafka-fluss-bridge"), "check-config", path], env=e,
                       capture_output=True, text=True, timeout=60)
    ok(name, p.returncode == 0, p.stderr.strip()[:400])
    return yaml.safe_load(p.stdout) if p.returncode == 0 else {}

# ---- Dockerfile -----------------------------------------------------------------------------
with open(f"{D}/Dockerfile") as f:
    lines = f.read().replace("\\\n", " ").splitlines()
stages, cur = [], None
for ln in lines:
    ln = ln.strip()
    if not ln or ln.startswith("#"):
        continue
    word, _, rest = ln.partition(" ")
    word = word.upper()
    if word == "FROM":
        cur = {"from": rest.split()[0], "as": rest.split()[-1] if " AS " in rest.upper() else None, "ins": []}
        stages.append(cur)
    elif cur is not None:
        cur["ins"].append((word, " ".join(rest.split())))
ok("dockerfile: two stages", len(stages) == 2, f"{len(stages)} stages")
build_st, run_st = stages[0], stages[-1]
for s in stages:
    img = s["from"]
    ok(f"dockerfile: base image {img} pinned", re.match(r"^debian:12(\.\d+)+(-slim)?$", img) is not None,
       "want debian:12.N[-slim]")
runs = [r for w, r in build_st["ins"] if w == "RUN"]
# what `make test` runs: the deps recipe, then check (Makefile)
with open("Makefile") as f:
    mk = f.read()
deps = re.search(r"^deps:\n\t@?(.*)$", mk, re.M)
test = re.search(r"^test: deps\n\t@?(.*)$", mk, re.M)
ok("makefile: deps runs scripts/install-deps.sh", deps and deps.group(1).strip() == "scripts/install-deps.sh",
   deps.group(1) if deps else "no deps target")
ok("makefile: test = deps + make check", test and test.group(1).split()[-1] == "check", test.group(1) if test else "")
ok("dockerfile: build stage runs install-deps, make, make check",
   runs == ["scripts/install-deps.sh", 'make -j"$(nproc)"', 'KFB_REAL_SUITE=skip make -j"$(nproc)" check'], runs)
for w, r in build_st["ins"] + run_st["ins"]:
    if w != "COPY":
        continue
    args = [a for a in r.split() if not a.startswith("--chown")]
    srcs, dst = args[:-1], args[-1]
    if args[0].startswith("--from="):
        for s in srcs[1:]:
            rel = s.replace("/src/", "", 1)
            name = os.path.basename(rel)
            made = rel == "build/release/kafka-fluss-bridge" or (
                rel.startswith("build/release/") and os.path.exists(f"tests/programs/{name}.c"))
            ok(f"dockerfile: {rel} is built by make", made, "not a target of the Makefile")
            ok(f"dockerfile: {name} was built here", os.access(os.path.join(build, name), os.X_OK), build)
    else:
        for s in srcs:
            if s != ".":
                ok(f"dockerfile: COPY {s} exists", os.path.exists(s), "missing")
rt = " ".join(r for w, r in run_st["ins"] if w == "RUN")
m = re.search(r"apt-get install -y --no-install-recommends (.*?)(&&|$)", rt)
runtime_pkgs = set(m.group(1).split()) if m else set()
ok("dockerfile: runtime installs packages", bool(runtime_pkgs), rt)
with open(os.path.join(tmp, "libs.txt")) as f:
    libs = [l.split() for l in f if l.strip()]
ok("dockerfile: binaries' libraries found", len(libs) >= 6, libs)
base = {"libc6", "libgcc-s1"}  # in every Debian image
for b, so, pkg in libs:
    ok(f"dockerfile: {so} ({pkg}) of {b} in the runtime image", pkg in runtime_pkgs | base,
       f"add {pkg} to the runtime stage's apt-get install")
ins = dict((w, r) for w, r in run_st["ins"])
ok("dockerfile: non-root USER", ins.get("USER") not in (None, "root", "0"), ins.get("USER"))
ok("dockerfile: HEALTHCHECK on /health", "HEALTHCHECK" in ins and "$KFB_HEALTH_URL" in ins["HEALTHCHECK"]
   and "/health" in ins.get("ENV", ""), ins.get("HEALTHCHECK"))
health_port = re.search(r"127\.0\.0\.1:(\d+)/health", ins.get("ENV", ""))
ok("dockerfile: ENTRYPOINT kafka-fluss-bridge", json.loads(ins.get("ENTRYPOINT", "[]")) == ["kafka-fluss-bridge"],
   ins.get("ENTRYPOINT"))
cmd = json.loads(ins.get("CMD", "[]"))
ok("dockerfile: CMD run -c /etc/kafka-fluss-bridge/bridge.yaml",
   cmd == ["run", "-c", "/etc/kafka-fluss-bridge/bridge.yaml"], cmd)
ok("dockerfile: VOLUME /etc/kafka-fluss-bridge", "/etc/kafka-fluss-bridge" in ins.get("VOLUME", ""), ins.get("VOLUME"))
ok("dockerfile: dockerignore drops build/", "build/" in open(f"{D}/Dockerfile.dockerignore").read().split())

# ---- docker-compose.yml ------------------------------------------------------------------------
c = load(f"{D}/docker-compose.yml")
svc = c.get("services", {})
want = {"kafka", "schema-registry", "zookeeper", "coordinator-server", "tablet-server", "fluss-init",
        "sample-data", "bridge", "prometheus", "grafana"}
ok("compose: services", set(svc) == want, sorted(set(svc) ^ want))
for name, s in svc.items():
    img = s.get("image", "")
    if img == BRIDGE_IMAGE:
        ok(f"compose: {name} uses the image of docker/Dockerfile",
           any("build" in x and x.get("image") == BRIDGE_IMAGE for x in svc.values()), "no service builds it")
    else:
        repo, _, tag = img.partition(":")
        ok(f"compose: {name} image {img} pinned", tag and tag != "latest" and re.search(r"\d", tag), "pin a version")
    if "build" in s:
        ctx = os.path.normpath(os.path.join(D, s["build"]["context"]))
        ok(f"compose: {name} build context is the repository root", os.path.samefile(ctx, "."), ctx)
        ok(f"compose: {name} dockerfile exists", os.path.exists(os.path.join(ctx, s["build"]["dockerfile"])), s["build"])
    for v in s.get("volumes", []):
        src = v.split(":")[0]
        if src.startswith("."):
            ok(f"compose: {name} mounts {src}", os.path.exists(os.path.join(D, src)), "missing")
        else:
            ok(f"compose: {name} volume {src} declared", src in (c.get("volumes") or {}), "undeclared")
    dep = s.get("depends_on", [])
    for d in (dep if isinstance(dep, list) else dep.keys()):
        ok(f"compose: {name} depends on {d}", d in svc, "no such service")
for name in ("coordinator-server", "tablet-server"):
    ok(f"compose: {name} is Fluss 0.9.1", svc[name]["image"] == "apache/fluss:0.9.1-incubating", svc[name]["image"])
ok("compose: kafka is 3.9.x (KRaft)", svc["kafka"]["image"].startswith("apache/kafka:3.9.")
   and "controller" in str(svc["kafka"]["environment"].get("KAFKA_PROCESS_ROLES")), svc["kafka"]["image"])
# the one-shots run programs the image contains, on files the image contains
copied = {os.path.basename(a) for w, r in run_st["ins"] if w == "COPY" and r.startswith("--from=") for a in r.split()[1:-1]}
for name in ("fluss-init", "sample-data"):
    ep = svc[name]["entrypoint"][0]
    ok(f"compose: {name} runs {ep}, which the image has", ep in copied, sorted(copied))
    for a in svc[name]["command"]:
        if a.startswith("/usr/share/kafka-fluss-bridge/quickstart"):
            local = a.replace("/usr/share/kafka-fluss-bridge/quickstart", "conf/quickstart")
            ok(f"compose: {name} reads {a}", os.path.exists(local), f"{local} missing")
ok("compose: Dockerfile copies conf/quickstart/ to /usr/share/kafka-fluss-bridge/quickstart/",
   ("COPY", "conf/quickstart/ /usr/share/kafka-fluss-bridge/quickstart/") in run_st["ins"], "")
mounts = {v.split(":")[1]: v.split(":")[0] for v in svc["bridge"]["volumes"]}
ok("compose: bridge config mounted where CMD reads it", cmd[-1] in mounts, mounts)
bcfg = check_config(os.path.join(D, mounts.get(cmd[-1], "bridge.yaml")), name="compose: bridge.yaml check-config")
listen = str((bcfg.get("metrics") or {}).get("listen", ""))
port = listen.rsplit(":", 1)[-1]
ok("compose: bridge.yaml metrics on all interfaces", listen.startswith("0.0.0.0:"), listen)
ok("compose: HEALTHCHECK port = metrics port", health_port and health_port.group(1) == port,
   f"{health_port and health_port.group(1)} vs {port}")
ok("compose: bridge publishes the metrics port", f"{port}:{port}" in svc["bridge"].get("ports", []), svc["bridge"].get("ports"))
ok("compose: bridge.yaml reaches the stack's services",
   bcfg.get("kafka", {}).get("bootstrap.servers") == "kafka:19092"
   and (bcfg.get("schema_registry") or {}).get("url") == "http://schema-registry:8081"
   and bcfg.get("fluss", {}).get("bootstrap_servers") == "coordinator-server:9123", bcfg.get("kafka"))
sd = svc["sample-data"]["command"]
ok("compose: sample-data uses the stack's Kafka and registry",
   sd[sd.index("--bootstrap") + 1] == "kafka:19092" and sd[sd.index("--registry") + 1] == "http://schema-registry:8081", sd)
ok("compose: fluss-init uses the coordinator", svc["fluss-init"]["command"][1] == "coordinator-server:9123", "")
# prometheus
prom = load(f"{D}/prometheus.yml")
targets = [t for sc in prom["scrape_configs"] for s in sc.get("static_configs", []) for t in s["targets"]]
ok("prometheus: scrapes the bridge's metrics port", f"bridge:{port}" in targets, targets)
ok("prometheus: /metrics", all(sc.get("metrics_path", "/metrics") == "/metrics" for sc in prom["scrape_configs"]), "")
# grafana
gmounts = {v.split(":")[1]: v.split(":")[0] for v in svc["grafana"]["volumes"]}
dsp = load(f"{D}/grafana/provisioning/datasources/prometheus.yml")
uids = {d["uid"] for d in dsp["datasources"]}
ok("grafana: data source is the stack's Prometheus", dsp["datasources"][0]["url"] == "http://prometheus:9090", "")
dbp = load(f"{D}/grafana/provisioning/dashboards/dashboards.yml")
path = dbp["providers"][0]["options"]["path"]
ok("grafana: dashboards provider path is mounted", path in gmounts and os.path.isdir(os.path.join(D, gmounts[path])), path)
dash_files = [f for f in os.listdir(f"{D}/grafana/dashboards") if f.endswith(".json")]
ok("grafana: a dashboard", len(dash_files) == 1, dash_files)
for fn in dash_files:
    with open(f"{D}/grafana/dashboards/{fn}") as f:
        dash = json.load(f)
    exprs = [(p["title"], t["expr"]) for p in dash["panels"] for t in p.get("targets", [])]
    ok(f"grafana: {fn} has panels", len(exprs) >= 8, len(exprs))
    for p in dash["panels"]:
        ok(f"grafana: panel '{p['title']}' uses the provisioned data source", p["datasource"]["uid"] in uids, p["datasource"])
    names = set()
    for title, e in exprs:
        used = {re.sub(r"_(bucket|sum|count)$", "", m) for m in re.findall(r"\bkfb_[a-z_]+", e)}
        names |= used
        ok(f"grafana: '{title}' queries only the bridge's metrics", used and used <= set(METRICS),
           sorted(used - set(METRICS)) or "no kfb_ metric")
        ok(f"grafana: '{title}' parses (balanced brackets)",
           all(e.count(a) == e.count(b) for a, b in ("()", "{}", "[]")), e)
        if "histogram_quantile" in e:
            ok(f"grafana: '{title}' quantile on a histogram's buckets", "_seconds_bucket" in e, e)
    titles = " ".join(p["title"].lower() for p in dash["panels"])
    for topic in ("throughput", "lag", "error", "latency", "buffered"):
        ok(f"grafana: a panel on {topic}", topic in titles, titles)

# ---- Kubernetes ------------------------------------------------------------------------------------
K = f"{D}/k8s"
kust = load(f"{K}/kustomization.yaml")
docs = {}
for r in kust["resources"]:
    ok(f"k8s: {r} exists", os.path.exists(f"{K}/{r}"), "missing")
    for d in load(f"{K}/{r}", multi=True):
        if d:
            docs[d["kind"]] = d
ok("k8s: every manifest is listed", sorted(kust["resources"]) == sorted(
    f for f in os.listdir(K) if f.endswith(".yaml") and f != "kustomization.yaml"), kust["resources"])
ok("k8s: Deployment, ConfigMap, Secret", {"Deployment", "ConfigMap", "Secret"} <= set(docs), sorted(docs))
dep, cm, sec = docs["Deployment"], docs["ConfigMap"], docs["Secret"]
spec = dep["spec"]["template"]["spec"]
ctr = spec["containers"][0]
ok("k8s: several replicas", dep["spec"]["replicas"] >= 2, dep["spec"]["replicas"])
ok("k8s: selector matches the pod labels",
   dep["spec"]["selector"]["matchLabels"].items() <= dep["spec"]["template"]["metadata"]["labels"].items(), "")
ports = {p["name"]: p["containerPort"] for p in ctr["ports"]}
for probe, path in (("livenessProbe", "/health"), ("readinessProbe", "/ready")):
    g = ctr.get(probe, {}).get("httpGet", {})
    ok(f"k8s: {probe} on {path}", g.get("path") == path and g.get("port") in ports, g)
ann = dep["spec"]["template"]["metadata"].get("annotations", {})
ok("k8s: Prometheus scrape annotations", ann.get("prometheus.io/scrape") == "true"
   and ann.get("prometheus.io/path") == "/metrics" and int(ann.get("prometheus.io/port", 0)) in ports.values(), ann)
ok("k8s: non-root", spec.get("securityContext", {}).get("runAsNonRoot") is True, spec.get("securityContext"))
ok("k8s: image of docker/Dockerfile", ctr["image"] == BRIDGE_IMAGE, ctr["image"])
vol = {v["name"]: v for v in spec["volumes"]}
mnt = ctr["volumeMounts"][0]
cmv = vol[mnt["name"]]["configMap"]
ok("k8s: config volume is the ConfigMap", cmv["name"] == cm["metadata"]["name"], cmv)
items = {i["key"]: i["path"] for i in cmv.get("items", [])}
ok("k8s: ConfigMap has the mounted key", set(items) <= set(cm["data"]), items)
cfg_path = ctr["args"][ctr["args"].index("-c") + 1]
ok("k8s: args read the mounted file", os.path.join(mnt["mountPath"], items.get("bridge.yaml", "")) == cfg_path, cfg_path)
refs = [e["secretRef"]["name"] for e in ctr.get("envFrom", []) if "secretRef" in e]
ok("k8s: environment from the Secret", refs == [sec["metadata"]["name"]], refs)
with open(os.path.join(tmp, "k8s-bridge.yaml"), "w") as f:
    f.write(cm["data"]["bridge.yaml"])
kcfg = check_config(os.path.join(tmp, "k8s-bridge.yaml"), env=sec["stringData"],
                    name="k8s: ConfigMap bridge.yaml check-config with only the Secret's variables")
kport = int(str((kcfg.get("metrics") or {}).get("listen", ":0")).rsplit(":", 1)[-1])
ok("k8s: metrics.listen port = containerPort", kport in ports.values(), (kport, ports))
st = str(kcfg.get("shutdown_timeout", "30s"))
ok("k8s: grace period longer than shutdown_timeout", st.endswith("s") and int(st[:-1]) < spec["terminationGracePeriodSeconds"],
   (st, spec["terminationGracePeriodSeconds"]))
EOF
while IFS= read -r line; do
    case "$line" in
    ok\ *) pass ;;
    FAIL\ *) fail "${line#FAIL }" ;;
    *) fail "docker files check: $line" ;;
    esac
done <"$T/checks.txt"
[ -s "$T/checks.txt" ] || fail "docker files check printed nothing"

# ---- shellcheck on every shell script --------------------------------------------------------------------
if command -v shellcheck >/dev/null; then
    mapfile -t scripts < <(find . -name '*.sh' -not -path './build/*' -not -path './.git/*' | sort)
    check_has "shellcheck: the scripts are found" "./docker/e2e.sh" "$(printf '%s\n' "${scripts[@]}")"
    for s in "${scripts[@]}"; do
        if out=$(shellcheck -S warning "$s" 2>&1); then pass; else fail "shellcheck $s" "$out"; fi
    done
else
    echo "SKIP shellcheck: not installed (scripts/install-deps.sh installs it)"
fi

# ---- the stack's tools against the loopback servers -------------------------------------------------
# shellcheck source=scripts/servers.sh
. scripts/servers.sh
start() { # name, command...
    kfb_start_server "$T" "$@"
    PIDS+=("$SERVER_PID")
    READY=$READY_LINE
}

# fluss-create-tables into a test server that has no table
start fts "$B/fluss-test-server"
FTS_CTL=$(kfb_field "$READY" control); FTS_BOOT=$(kfb_field "$READY" bootstrap)
out=$(timeout 60 "$B/fluss-create-tables" --bootstrap "$FTS_BOOT" --tables conf/quickstart/tables.json --wait 20 2>&1)
check_eq "fluss-create-tables: exit" "0" "$?"
check_has "fluss-create-tables: orders" "table shop.orders: id" "$out"
check_has "fluss-create-tables: customers (3 buckets)" "table inventory.customers: id 2, 3 buckets" "$out"
check_eq "fluss-create-tables: the server has shop.orders" "OK 1" "$(kfb_ctl "$FTS_CTL" "table-id shop orders")"
out=$(timeout 60 "$B/fluss-create-tables" --bootstrap "$FTS_BOOT" --tables conf/quickstart/tables.json --wait 20 2>&1)
check_eq "fluss-create-tables: again (tables exist)" "0 table inventory.customers: id 2, 3 buckets" "$? $(tail -n 1 <<<"$out")"
echo '{"tables": 1}' >"$T/bad.json"
out=$(timeout 60 "$B/fluss-create-tables" --bootstrap "$FTS_BOOT" --tables "$T/bad.json" 2>&1)
check_eq "fluss-create-tables: a bad tables file" "1" "$?"
check_has "fluss-create-tables: says what is expected" 'expected {"tables": [...]}' "$out"

# a Schema Registry stand-in: records each POST /subjects/S/versions, answers ids 11, 12, 13
cat >"$T/registry.py" <<'EOF'
import http.server, json, sys
ids = {}
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        subject = self.path.split("/")[2]
        json.loads(body["schema"])  # the schema text must be JSON
        ids.setdefault(subject, 11 + len(ids))
        with open(sys.argv[2], "a") as f:
            f.write(f"{subject} {ids[subject]} {self.headers['Content-Type']}\n")
        out = json.dumps({"id": ids[subject]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1], "w") as f:
    f.write(str(s.server_address[1]))
s.timeout = 1
for _ in range(300):  # at most about 5 minutes
    s.handle_request()
EOF
"$PY" "$T/registry.py" "$T/registry.port" "$T/registry.log" &
PIDS+=($!)
for ((i = 0; i < 100; i++)); do [ -s "$T/registry.port" ] && break; sleep 0.1; done
REG=http://127.0.0.1:$(cat "$T/registry.port")

start kafka "$B/kafka-mock" --brokers 1 --topic orders:4 --topic customers:4 --topic orders.ref:4 --topic customers.ref:4
K_CTL=$(kfb_field "$READY" control); K_BOOT=$(kfb_field "$READY" bootstrap)
out=$(timeout 120 "$B/sample-producer" --bootstrap "$K_BOOT" --registry "$REG" --orders 3000 --customers 2000 \
    --partitions 4 --seed 7 2>&1)
check_eq "sample-producer: exit" "0" "$?"
check_eq "sample-producer: subjects registered" \
    "orders-value 11 application/vnd.schemaregistry.v1+json|customers-value 12 application/vnd.schemaregistry.v1+json|customers-key 13 application/vnd.schemaregistry.v1+json" \
    "$(paste -sd'|' "$T/registry.log")"
ref_o=$(kfb_ctl "$K_CTL" "gen-orders orders.ref 3000 7")
ref_c=$(kfb_ctl "$K_CTL" "gen-customers customers.ref 2000 7")
check_eq "sample-producer: orders counts = kafka-mock gen-orders" \
    "$(sed -E 's/^OK produced/orders: produced/; s/ trimmed=.*//' <<<"$ref_o")" "$(grep '^orders:' <<<"$out")"
check_eq "sample-producer: customers counts = kafka-mock gen-customers" \
    "$(sed -E 's/^OK produced/customers: produced/; s/ trimmed=.*//' <<<"$ref_c")" "$(grep '^customers:' <<<"$out")"
for t in orders customers orders.ref customers.ref; do
    check_eq "consume $t" "OK" "$(kfb_ctl "$K_CTL" "consume $t $T/$t.txt" | cut -c1-2)"
done
# the same messages, with the registry's ids in the framing (1 -> 11 and 2 -> 12 in values,
# 3 -> 13 in the customers keys); record lines: PARTITION KEY VALUE @OFFSET TIMESTAMP
strip() { awk '{ print $1, $2, $3, $4 }' "$1"; }
check_eq "sample-producer: orders = gen-orders with schema id 11" \
    "$(strip "$T/orders.ref.txt" | sed -E 's/ 0000000001/ 000000000b/')" "$(strip "$T/orders.txt")"
check_eq "sample-producer: customers = gen-customers with schema ids 12 and 13" \
    "$(strip "$T/customers.ref.txt" | sed -E 's/ 0000000002/ 000000000c/; s/^([0-9]+) 0000000003/\1 000000000d/')" \
    "$(strip "$T/customers.txt")"
out=$(timeout 60 "$B/sample-producer" --bootstrap "$K_BOOT" --orders 10 --customers 0 --partitions 3 2>&1)
check_eq "sample-producer: a topic with another partition count" "1" "$?"
check_has "sample-producer: says so" "topic orders has 4 partitions, not 3" "$out"

echo "== docker_files: $ok ok, $bad failed =="
[ "$bad" -eq 0 ]
