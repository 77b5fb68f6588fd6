/*
 * The judge of the real-cluster suite: reads a Fluss table back with Fluss's own Java client
 * and compares it with an expected-state file written by a test from its own input.
 *
 *   judge ready BOOTSTRAP N TIMEOUT_S   wait until the cluster lists a coordinator and N
 *                                       tablet servers (exit 0), or give up (exit 1)
 *   judge check BOOTSTRAP FILE...       check each expected-state file (exit 0 = all match)
 *   judge state BOOTSTRAP FILE...       the same without the changelog (final state only:
 *                                       after a crash the bridge replays, at least once)
 *   judge committed BOOTSTRAP FILE P=OFFSET,...
 *                                       committed Kafka offsets never ahead of Fluss: each
 *                                       key's row is its state after its last message below
 *                                       its partition's committed offset, or a later one
 *   judge dump BOOTSTRAP DB.TABLE       print the table's changelog, one change per line
 *   FILE@DB.TABLE                       checks DB.TABLE instead of the file's header table
 *
 * Expected-state file (JSON Lines; the format is documented in tests/real/README.md):
 *   {"table": "db.t", "exact": true}                       first line
 *   {"key": {"id": 1}, "states": [{...row...}, null, ...]}  one line per key
 * "changelog": false (default true) skips the changelog check (lookups only).
 * `states` are the key's row after each write the table applies, in write order (null: the
 * key was deleted). The last state must be what Lookup returns (null/empty: absent), and the
 * changelog of the key must be the changes those states imply for a primary-key table with
 * the default FULL changelog image (KvTablet.processUpsert/processDeletion): absent -> row is
 * +I row, row -> row' is -U row, +U row', row -> deleted is -D row, deleted -> deleted is
 * nothing. With "exact", no other key may have a change in the changelog.
 */
package kfb.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import org.apache.fluss.client.Connection;
import org.apache.fluss.client.ConnectionFactory;
import org.apache.fluss.client.admin.Admin;
import org.apache.fluss.client.admin.OffsetSpec;
import org.apache.fluss.client.lookup.LookupResult;
import org.apache.fluss.client.lookup.Lookuper;
import org.apache.fluss.client.table.Table;
import org.apache.fluss.client.table.scanner.ScanRecord;
import org.apache.fluss.client.table.scanner.log.LogScanner;
import org.apache.fluss.client.table.scanner.log.ScanRecords;
import org.apache.fluss.cluster.ServerNode;
import org.apache.fluss.cluster.ServerType;
import org.apache.fluss.config.Configuration;
import org.apache.fluss.metadata.PartitionInfo;
import org.apache.fluss.metadata.TableBucket;
import org.apache.fluss.metadata.TableInfo;
import org.apache.fluss.metadata.TablePath;
import org.apache.fluss.row.BinaryString;
import org.apache.fluss.row.DataGetters;
import org.apache.fluss.row.Decimal;
import org.apache.fluss.row.GenericRow;
import org.apache.fluss.row.InternalArray;
import org.apache.fluss.row.InternalMap;
import org.apache.fluss.row.InternalRow;
import org.apache.fluss.row.TimestampLtz;
import org.apache.fluss.row.TimestampNtz;
import org.apache.fluss.types.ArrayType;
import org.apache.fluss.types.BinaryType;
import org.apache.fluss.types.CharType;
import org.apache.fluss.types.DataType;
import org.apache.fluss.types.DecimalType;
import org.apache.fluss.types.LocalZonedTimestampType;
import org.apache.fluss.types.MapType;
import org.apache.fluss.types.RowType;
import org.apache.fluss.types.TimestampType;

import java.io.BufferedReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

public final class Judge {
    private static final ObjectMapper JSON = new ObjectMapper();
    /* Mismatches printed per file; the count is always printed in full. */
    private static final int MAX_REPORTS = 20;
    /* Lookups in flight at once (the Lookuper batches them per bucket). */
    private static final int LOOKUP_WINDOW = 2000;
    private static final long CHANGELOG_TIMEOUT_MS = 180_000;
    private static final long IDLE_MS = 5_000;

    public static void main(String[] args) throws Exception {
        if (args.length >= 4 && args[0].equals("ready")) {
            System.exit(ready(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3])));
        } else if (args.length == 4 && args[0].equals("committed")) {
            try (Connection conn = connect(args[1])) {
                System.exit(committed(conn, args[2], args[3]));
            }
        } else if (args.length >= 3 && (args[0].equals("check") || args[0].equals("state"))) {
            int bad = 0;
            try (Connection conn = connect(args[1])) {
                for (int i = 2; i < args.length; i++) bad += check(conn, args[i], args[0].equals("check"));
            }
            System.exit(bad == 0 ? 0 : 1);
        } else if (args.length == 3 && args[0].equals("dump")) {
            try (Connection conn = connect(args[1])) {
                dump(conn, parsePath(args[2]));
            }
            System.exit(0);
        }
        System.err.println("usage: judge ready BOOTSTRAP N TIMEOUT_S | check BOOTSTRAP FILE... |"
                + " state BOOTSTRAP FILE... |"
                + " committed BOOTSTRAP FILE P=OFFSET,... | dump BOOTSTRAP DB.TABLE"
                + "   (FILE@DB.TABLE checks another table than the file's header names)");
        System.exit(2);
    }

    private static Connection connect(String bootstrap) {
        Configuration conf = new Configuration();
        conf.setString("bootstrap.servers", bootstrap);
        // 2-core machine: keep the client's thread pools small.
        conf.setString("netty.client.num-network-threads", "1");
        conf.setString("client.request-timeout", "30s");
        return ConnectionFactory.createConnection(conf);
    }

    private static TablePath parsePath(String s) {
        int dot = s.indexOf('.');
        if (dot <= 0) throw new IllegalArgumentException("table must be DB.TABLE: " + s);
        return TablePath.of(s.substring(0, dot), s.substring(dot + 1));
    }

    /* ------------------------------------------------------------------ ready */

    private static int ready(String bootstrap, int tabletServers, int timeoutS) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try (Connection conn = connect(bootstrap)) {
                List<ServerNode> nodes = conn.getAdmin().getServerNodes().get(10, TimeUnit.SECONDS);
                int ts = 0, coord = 0;
                for (ServerNode n : nodes) {
                    if (n.serverType() == ServerType.TABLET_SERVER) ts++;
                    if (n.serverType() == ServerType.COORDINATOR) coord++;
                }
                last = coord + " coordinator(s), " + ts + " tablet server(s)";
                if (coord >= 1 && ts >= tabletServers) {
                    System.out.println("judge: cluster ready: " + last);
                    return 0;
                }
            } catch (Exception e) {
                last = e.toString();
            }
            Thread.sleep(300);
        }
        System.err.println("judge: cluster not ready after " + timeoutS + " s (wanted "
                + tabletServers + " tablet servers): " + last);
        return 1;
    }

    /* ------------------------------------------------------------------ check */

    private static final class Expected {
        final JsonNode key;
        final List<JsonNode> states = new ArrayList<>();
        final List<Long> offsets = new ArrayList<>(); /* Kafka offset behind each state */
        int partition = -1;
        final int line;

        Expected(JsonNode key, int line) {
            this.key = key;
            this.line = line;
        }

        JsonNode last() {
            return states.isEmpty() ? null : states.get(states.size() - 1);
        }
    }

    /* An expected-state file; "FILE@DB.TABLE" names another table than its header. */
    private static final class ExpectedFile {
        TablePath path;
        boolean exact, changelog;
        final List<Expected> keys = new ArrayList<>();

        ExpectedFile(String arg) throws IOException {
            int at = arg.lastIndexOf('@');
            String file = at > 0 ? arg.substring(0, at) : arg;
            try (BufferedReader r = Files.newBufferedReader(Paths.get(file), StandardCharsets.UTF_8)) {
                String first = r.readLine();
                if (first == null) throw new IOException(file + ": empty file");
                JsonNode head = JSON.readTree(first);
                path = parsePath(at > 0 ? arg.substring(at + 1) : head.path("table").asText());
                exact = head.path("exact").asBoolean(false);
                changelog = head.path("changelog").asBoolean(true);
                String line;
                int no = 1;
                while ((line = r.readLine()) != null) {
                    no++;
                    if (line.isBlank()) continue;
                    JsonNode n = JSON.readTree(line);
                    Expected e = new Expected(n.get("key"), no);
                    if (e.key == null || !e.key.isObject())
                        throw new IOException(file + ":" + no + ": no \"key\" object");
                    for (JsonNode s : n.path("states")) e.states.add(s.isNull() ? null : s);
                    for (JsonNode o : n.path("offsets")) e.offsets.add(o.asLong());
                    e.partition = n.path("partition").asInt(-1);
                    keys.add(e);
                }
            }
        }
    }

    private static int check(Connection conn, String file, boolean withChangelog) throws Exception {
        List<String> problems = new ArrayList<>();
        ExpectedFile ef = new ExpectedFile(file);
        TablePath path = ef.path;
        boolean exact = ef.exact, changelog = ef.changelog && withChangelog;
        List<Expected> expected = ef.keys;

        Admin admin = conn.getAdmin();
        TableInfo info = admin.getTableInfo(path).get(30, TimeUnit.SECONDS);
        RowType rowType = info.getRowType();
        List<String> pk = info.getPrimaryKeys();
        int[] pkPos = new int[pk.size()];
        for (int i = 0; i < pkPos.length; i++) pkPos[i] = rowType.getFieldIndex(pk.get(i));

        // Canonical key text -> expectation; the file's own mistakes are reported as such.
        Map<String, Expected> byKey = new LinkedHashMap<>();
        for (Expected e : expected) {
            for (JsonNode s : e.states) checkRowShape(file, e.line, rowType, s);
            String k = canonKeyJson(rowType, pkPos, e.key);
            if (byKey.put(k, e) != null)
                throw new IOException(file + ":" + e.line + ": key " + k + " listed twice");
        }

        // 1. Lookup of every expected key.
        int present = 0, absent = 0;
        try (Table table = conn.getTable(path)) {
            Lookuper lookuper = table.newLookup().createLookuper();
            List<Map.Entry<String, Expected>> entries = new ArrayList<>(byKey.entrySet());
            for (int from = 0; from < entries.size(); from += LOOKUP_WINDOW) {
                int to = Math.min(entries.size(), from + LOOKUP_WINDOW);
                List<CompletableFuture<LookupResult>> fs = new ArrayList<>();
                for (int i = from; i < to; i++)
                    fs.add(lookuper.lookup(keyRow(rowType, pkPos, entries.get(i).getValue().key)));
                for (int i = from; i < to; i++) {
                    Expected e = entries.get(i).getValue();
                    InternalRow got = fs.get(i - from).get(60, TimeUnit.SECONDS).getSingletonRow();
                    JsonNode want = e.last();
                    if (want == null) absent++; else present++;
                    String w = want == null ? "absent" : canonRowJson(rowType, want);
                    String g = got == null ? "absent" : canonRow(rowType, got);
                    if (!w.equals(g))
                        problems.add("lookup " + entries.get(i).getKey() + " (line " + e.line
                                + "): expected " + w + ", Fluss has " + g);
                }
            }

            // 2. The changelog, per key, in order (unless the file says "changelog": false).
            Map<String, List<String>> actual =
                    changelog ? readChangelog(admin, table, info) : new HashMap<>();
            long changes = 0;
            for (List<String> l : actual.values()) changes += l.size();
            for (Map.Entry<String, Expected> en : byKey.entrySet()) {
                if (!changelog) break;
                List<String> want = impliedChanges(rowType, en.getValue().states);
                List<String> got = actual.getOrDefault(en.getKey(), Collections.emptyList());
                if (!want.equals(got))
                    problems.add("changelog of " + en.getKey() + " (line " + en.getValue().line
                            + "): " + firstDifference(want, got));
            }
            if (exact && changelog) {
                for (Map.Entry<String, List<String>> en : actual.entrySet())
                    if (!byKey.containsKey(en.getKey()))
                        problems.add("changelog has key " + en.getKey() + " that the expected "
                                + "state does not list: " + en.getValue());
            }
            for (int i = 0; i < Math.min(problems.size(), MAX_REPORTS); i++)
                System.out.println("judge: " + path + ": " + problems.get(i));
            if (problems.size() > MAX_REPORTS)
                System.out.println("judge: " + path + ": ... " + (problems.size() - MAX_REPORTS)
                        + " more");
            System.out.println("judge: " + path + ": " + byKey.size() + " keys looked up ("
                    + present + " present, " + absent + " absent), " + changes
                    + " changelog records over " + actual.size() + " keys: "
                    + (problems.isEmpty() ? "OK" : problems.size() + " MISMATCHES"));
        }
        return problems.isEmpty() ? 0 : 1;
    }

    /* Committed offsets never ahead of Fluss: for every key, the row Fluss holds is the key's
     * state after its last message below the committed offset of its partition, or a state
     * after that one (the bridge may have written more than it committed). */
    private static int committed(Connection conn, String file, String offsetsArg) throws Exception {
        Map<Integer, Long> committed = new HashMap<>();
        for (String kv : offsetsArg.split(",")) {
            String[] p = kv.split("=");
            committed.put(Integer.parseInt(p[0]), Long.parseLong(p[1]));
        }
        ExpectedFile ef = new ExpectedFile(file);
        TableInfo info = conn.getAdmin().getTableInfo(ef.path).get(30, TimeUnit.SECONDS);
        RowType rowType = info.getRowType();
        int[] pkPos = new int[info.getPrimaryKeys().size()];
        for (int i = 0; i < pkPos.length; i++) pkPos[i] = rowType.getFieldIndex(info.getPrimaryKeys().get(i));
        List<String> problems = new ArrayList<>();
        long covered = 0;
        try (Table table = conn.getTable(ef.path)) {
            Lookuper lookuper = table.newLookup().createLookuper();
            for (int from = 0; from < ef.keys.size(); from += LOOKUP_WINDOW) {
                int to = Math.min(ef.keys.size(), from + LOOKUP_WINDOW);
                List<CompletableFuture<LookupResult>> fs = new ArrayList<>();
                for (int i = from; i < to; i++) fs.add(lookuper.lookup(keyRow(rowType, pkPos, ef.keys.get(i).key)));
                for (int i = from; i < to; i++) {
                    Expected e = ef.keys.get(i);
                    if (e.partition < 0 || e.offsets.size() != e.states.size())
                        throw new IOException(file + ":" + e.line + ": no partition/offsets");
                    long c = committed.getOrDefault(e.partition, 0L);
                    int below = 0; // states made by messages below the committed offset
                    while (below < e.offsets.size() && e.offsets.get(below) < c) below++;
                    covered += below;
                    InternalRow got = fs.get(i - from).get(60, TimeUnit.SECONDS).getSingletonRow();
                    String g = got == null ? "absent" : canonRow(rowType, got);
                    List<String> allowed = new ArrayList<>();
                    if (below == 0) allowed.add("absent");
                    for (int j = Math.max(0, below - 1); j < e.states.size(); j++)
                        allowed.add(e.states.get(j) == null ? "absent" : canonRowJson(rowType, e.states.get(j)));
                    if (!allowed.contains(g))
                        problems.add("key " + canonKeyJson(rowType, pkPos, e.key) + " (partition "
                                + e.partition + ", committed " + c + "): Fluss has " + g
                                + ", behind the committed offset; allowed " + allowed);
                }
            }
        }
        for (int i = 0; i < Math.min(problems.size(), MAX_REPORTS); i++)
            System.out.println("judge: " + ef.path + ": " + problems.get(i));
        System.out.println("judge: " + ef.path + ": committed " + committed + ": " + covered
                + " states below the committed offsets over " + ef.keys.size() + " keys: "
                + (problems.isEmpty() ? "OK (Fluss is not behind)" : problems.size() + " KEYS BEHIND"));
        return problems.isEmpty() ? 0 : 1;
    }

    private static void checkRowShape(String file, int line, RowType rt, JsonNode s)
            throws IOException {
        if (s == null) return;
        if (!s.isObject()) throw new IOException(file + ":" + line + ": a state is not an object");
        for (String f : rt.getFieldNames())
            if (!s.has(f)) throw new IOException(file + ":" + line + ": state lacks column " + f);
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (rt.getFieldIndex(f) < 0)
                throw new IOException(file + ":" + line + ": unknown column " + f);
        }
    }

    private static List<String> impliedChanges(RowType rt, List<JsonNode> states) {
        List<String> out = new ArrayList<>();
        String prev = null;
        for (JsonNode s : states) {
            String cur = s == null ? null : canonRowJson(rt, s);
            if (prev == null && cur != null) out.add("+I" + cur);
            else if (prev != null && cur != null) {
                out.add("-U" + prev);
                out.add("+U" + cur);
            } else if (prev != null) out.add("-D" + prev);
            prev = cur;
        }
        return out;
    }

    private static String firstDifference(List<String> want, List<String> got) {
        int n = Math.min(want.size(), got.size());
        for (int i = 0; i < n; i++)
            if (!want.get(i).equals(got.get(i)))
                return "change " + i + ": expected " + want.get(i) + ", changelog has " + got.get(i)
                        + " (expected " + want.size() + " changes, found " + got.size() + ")";
        return "expected " + want.size() + " changes " + want + ", changelog has " + got.size()
                + " " + got;
    }

    /* Every change of the table from the beginning up to the end offsets at call time, grouped
     * by canonical key, in log order (a key lives in one bucket, so its order is the bucket's). */
    private static Map<String, List<String>> readChangelog(Admin admin, Table table, TableInfo info)
            throws Exception {
        RowType rt = info.getRowType();
        int[] pkPos = new int[info.getPrimaryKeys().size()];
        for (int i = 0; i < pkPos.length; i++)
            pkPos[i] = rt.getFieldIndex(info.getPrimaryKeys().get(i));
        List<Integer> buckets = new ArrayList<>();
        for (int b = 0; b < info.getNumBuckets(); b++) buckets.add(b);
        Map<TableBucket, Long> end = new HashMap<>();
        long tid = info.getTableId();
        if (info.isPartitioned()) {
            for (PartitionInfo p : admin.listPartitionInfos(info.getTablePath()).get(30, TimeUnit.SECONDS)) {
                Map<Integer, Long> offs = admin.listOffsets(info.getTablePath(), p.getPartitionName(),
                        buckets, new OffsetSpec.LatestSpec()).all().get(30, TimeUnit.SECONDS);
                for (Map.Entry<Integer, Long> e : offs.entrySet())
                    end.put(new TableBucket(tid, p.getPartitionId(), e.getKey()), e.getValue());
            }
        } else {
            Map<Integer, Long> offs = admin.listOffsets(info.getTablePath(), buckets,
                    new OffsetSpec.LatestSpec()).all().get(30, TimeUnit.SECONDS);
            for (Map.Entry<Integer, Long> e : offs.entrySet())
                end.put(new TableBucket(tid, e.getKey()), e.getValue());
        }
        Map<String, List<String>> out = new HashMap<>();
        Set<TableBucket> pending = new HashSet<>();
        try (LogScanner scanner = table.newScan().createLogScanner()) {
            for (Map.Entry<TableBucket, Long> e : end.entrySet()) {
                if (e.getValue() <= 0) continue;
                TableBucket tb = e.getKey();
                pending.add(tb);
                if (tb.getPartitionId() != null)
                    scanner.subscribeFromBeginning(tb.getPartitionId(), tb.getBucket());
                else scanner.subscribeFromBeginning(tb.getBucket());
            }
            long deadline = System.currentTimeMillis() + CHANGELOG_TIMEOUT_MS;
            long lastRecord = System.currentTimeMillis();
            while (!pending.isEmpty()) {
                long now = System.currentTimeMillis();
                if (now > deadline)
                    throw new IOException("changelog not read to its end within "
                            + CHANGELOG_TIMEOUT_MS / 1000 + " s; buckets left: " + pending);
                // The last offsets before the end may hold no change (a batch that changed
                // nothing still takes an offset): after IDLE_MS without any record the log
                // has been read; what is missing shows in the per-key comparison.
                if (now - lastRecord > IDLE_MS) break;
                ScanRecords recs = scanner.poll(Duration.ofMillis(500));
                if (!recs.isEmpty()) lastRecord = System.currentTimeMillis();
                for (TableBucket tb : recs.buckets()) {
                    long stop = end.getOrDefault(tb, 0L);
                    for (ScanRecord r : recs.records(tb)) {
                        if (r.logOffset() >= stop) continue; // written after we looked
                        InternalRow row = r.getRow();
                        out.computeIfAbsent(canonKey(rt, pkPos, row), k -> new ArrayList<>())
                                .add(r.getChangeType().shortString() + canonRow(rt, row));
                        if (r.logOffset() + 1 >= stop) pending.remove(tb);
                    }
                }
            }
        }
        return out;
    }

    private static void dump(Connection conn, TablePath path) throws Exception {
        TableInfo info = conn.getAdmin().getTableInfo(path).get(30, TimeUnit.SECONDS);
        try (Table table = conn.getTable(path)) {
            Map<String, List<String>> log = readChangelog(conn.getAdmin(), table, info);
            for (Map.Entry<String, List<String>> e : new TreeMap<>(log).entrySet())
                for (String c : e.getValue()) System.out.println(e.getKey() + " " + c);
        }
    }

    /* ------------------------------------------------------------ canonical text */

    /* The same canonical text is built from what Fluss returns (canon*) and from the expected
     * JSON (canon*Json), then compared as strings. */

    private static String canonKey(RowType rt, int[] pkPos, InternalRow row) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < pkPos.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(rt.getFieldNames().get(pkPos[i])).append('=')
                    .append(canon(rt.getTypeAt(pkPos[i]), row, pkPos[i]));
        }
        return sb.append('}').toString();
    }

    private static String canonKeyJson(RowType rt, int[] pkPos, JsonNode key) throws IOException {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < pkPos.length; i++) {
            String name = rt.getFieldNames().get(pkPos[i]);
            if (!key.has(name)) throw new IOException("key " + key + " lacks column " + name);
            if (i > 0) sb.append(", ");
            sb.append(name).append('=').append(canonJson(rt.getTypeAt(pkPos[i]), key.get(name)));
        }
        return sb.append('}').toString();
    }

    private static String canonRow(RowType rt, InternalRow row) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < rt.getFieldCount(); i++) {
            if (i > 0) sb.append(", ");
            sb.append(rt.getFieldNames().get(i)).append('=').append(canon(rt.getTypeAt(i), row, i));
        }
        return sb.append(')').toString();
    }

    private static String canonRowJson(RowType rt, JsonNode obj) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < rt.getFieldCount(); i++) {
            String name = rt.getFieldNames().get(i);
            if (i > 0) sb.append(", ");
            sb.append(name).append('=').append(canonJson(rt.getTypeAt(i), obj.get(name)));
        }
        return sb.append(')').toString();
    }

    private static String quote(String s) {
        return TextNode.valueOf(s).toString();
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder("x'");
        for (byte x : b) sb.append(String.format("%02x", x & 0xff));
        return sb.append('\'').toString();
    }

    private static String floatText(float f) {
        return "f" + Integer.toHexString(Float.floatToIntBits(f)) + "(" + f + ")";
    }

    private static String doubleText(double d) {
        return "d" + Long.toHexString(Double.doubleToLongBits(d)) + "(" + d + ")";
    }

    private static String canon(DataType t, DataGetters g, int pos) {
        if (g.isNullAt(pos)) return "null";
        switch (t.getTypeRoot()) {
            case BOOLEAN: return String.valueOf(g.getBoolean(pos));
            case TINYINT: return String.valueOf(g.getByte(pos));
            case SMALLINT: return String.valueOf(g.getShort(pos));
            case INTEGER: return String.valueOf(g.getInt(pos));
            case BIGINT: return String.valueOf(g.getLong(pos));
            case FLOAT: return floatText(g.getFloat(pos));
            case DOUBLE: return doubleText(g.getDouble(pos));
            case CHAR: return quote(g.getChar(pos, ((CharType) t).getLength()).toString());
            case STRING: return quote(g.getString(pos).toString());
            case BINARY: return hex(g.getBinary(pos, ((BinaryType) t).getLength()));
            case BYTES: return hex(g.getBytes(pos));
            case DECIMAL: {
                DecimalType d = (DecimalType) t;
                return g.getDecimal(pos, d.getPrecision(), d.getScale()).toBigDecimal()
                        .toPlainString();
            }
            case DATE: return LocalDate.ofEpochDay(g.getInt(pos)).toString();
            case TIME_WITHOUT_TIME_ZONE:
                return LocalTime.ofNanoOfDay(g.getInt(pos) * 1_000_000L).toString();
            case TIMESTAMP_WITHOUT_TIME_ZONE:
                return g.getTimestampNtz(pos, ((TimestampType) t).getPrecision()).toLocalDateTime()
                        .toString();
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return g.getTimestampLtz(pos, ((LocalZonedTimestampType) t).getPrecision())
                        .toInstant().toString();
            case ARRAY: {
                InternalArray a = g.getArray(pos);
                DataType et = ((ArrayType) t).getElementType();
                StringBuilder sb = new StringBuilder("[");
                for (int i = 0; i < a.size(); i++) {
                    if (i > 0) sb.append(", ");
                    sb.append(canon(et, a, i));
                }
                return sb.append(']').toString();
            }
            case MAP: {
                InternalMap m = g.getMap(pos);
                MapType mt = (MapType) t;
                TreeMap<String, String> sorted = new TreeMap<>();
                for (int i = 0; i < m.size(); i++)
                    sorted.put(canon(mt.getKeyType(), m.keyArray(), i),
                            canon(mt.getValueType(), m.valueArray(), i));
                return "{" + joinMap(sorted) + "}";
            }
            case ROW: {
                RowType rt = (RowType) t;
                return canonRow(rt, g.getRow(pos, rt.getFieldCount()));
            }
            default:
                return "unsupported:" + t;
        }
    }

    private static String joinMap(TreeMap<String, String> m) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : m.entrySet()) {
            if (sb.length() > 0) sb.append(", ");
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    private static String bad(JsonNode v, String why) {
        return "bad-expected(" + v + ": " + why + ")";
    }

    private static String canonJson(DataType t, JsonNode v) {
        if (v == null || v.isNull()) return "null";
        try {
            switch (t.getTypeRoot()) {
                case BOOLEAN:
                    return v.isBoolean() ? String.valueOf(v.booleanValue()) : bad(v, "not a boolean");
                case TINYINT:
                case SMALLINT:
                case INTEGER:
                case BIGINT:
                    return v.isIntegralNumber() ? String.valueOf(v.longValue())
                            : String.valueOf(Long.parseLong(v.asText()));
                case FLOAT:
                    return floatText(v.isNumber() ? (float) v.doubleValue() : Float.parseFloat(v.asText()));
                case DOUBLE:
                    return doubleText(v.isNumber() ? v.doubleValue() : Double.parseDouble(v.asText()));
                case CHAR:
                case STRING:
                    return v.isTextual() ? quote(v.textValue()) : bad(v, "not a string");
                case BINARY:
                case BYTES: {
                    String h = v.asText();
                    if (h.length() % 2 != 0) return bad(v, "odd hex length");
                    byte[] b = new byte[h.length() / 2];
                    for (int i = 0; i < b.length; i++)
                        b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
                    return hex(b);
                }
                case DECIMAL:
                    return new BigDecimal(v.asText()).setScale(((DecimalType) t).getScale(),
                            RoundingMode.UNNECESSARY).toPlainString();
                case DATE:
                    return v.isIntegralNumber() ? LocalDate.ofEpochDay(v.longValue()).toString()
                            : LocalDate.parse(v.asText()).toString();
                case TIME_WITHOUT_TIME_ZONE:
                    return LocalTime.parse(v.asText()).toString();
                case TIMESTAMP_WITHOUT_TIME_ZONE:
                    return LocalDateTime.parse(v.asText()).toString();
                case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                    return Instant.parse(v.asText()).toString();
                case ARRAY: {
                    if (!v.isArray()) return bad(v, "not an array");
                    DataType et = ((ArrayType) t).getElementType();
                    StringBuilder sb = new StringBuilder("[");
                    for (int i = 0; i < v.size(); i++) {
                        if (i > 0) sb.append(", ");
                        sb.append(canonJson(et, v.get(i)));
                    }
                    return sb.append(']').toString();
                }
                case MAP: {
                    if (!v.isObject()) return bad(v, "not an object");
                    MapType mt = (MapType) t;
                    TreeMap<String, String> sorted = new TreeMap<>();
                    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        sorted.put(canonJson(mt.getKeyType(), TextNode.valueOf(e.getKey())),
                                canonJson(mt.getValueType(), e.getValue()));
                    }
                    return "{" + joinMap(sorted) + "}";
                }
                case ROW:
                    return v.isObject() ? canonRowJson((RowType) t, v) : bad(v, "not an object");
                default:
                    return "unsupported:" + t;
            }
        } catch (RuntimeException e) {
            return bad(v, e.toString());
        }
    }

    /* The Lookup key: the primary-key columns in primary-key order (PrimaryKeyLookuper projects
     * the row type onto getPrimaryKeys()). Keys hold scalar types only. */
    private static InternalRow keyRow(RowType rt, int[] pkPos, JsonNode key) {
        GenericRow row = new GenericRow(pkPos.length);
        for (int i = 0; i < pkPos.length; i++)
            row.setField(i, internal(rt.getTypeAt(pkPos[i]), key.get(rt.getFieldNames().get(pkPos[i]))));
        return row;
    }

    private static Object internal(DataType t, JsonNode v) {
        switch (t.getTypeRoot()) {
            case BOOLEAN: return v.booleanValue();
            case TINYINT: return (byte) v.asLong();
            case SMALLINT: return (short) v.asLong();
            case INTEGER: return (int) v.asLong();
            case BIGINT: return v.isIntegralNumber() ? v.longValue() : Long.parseLong(v.asText());
            case FLOAT: return v.isNumber() ? (float) v.doubleValue() : Float.parseFloat(v.asText());
            case DOUBLE: return v.isNumber() ? v.doubleValue() : Double.parseDouble(v.asText());
            case CHAR:
            case STRING: return BinaryString.fromString(v.textValue());
            case BINARY:
            case BYTES: {
                String h = v.asText();
                byte[] b = new byte[h.length() / 2];
                for (int i = 0; i < b.length; i++)
                    b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
                return b;
            }
            case DECIMAL: {
                DecimalType d = (DecimalType) t;
                return Decimal.fromBigDecimal(new BigDecimal(v.asText()), d.getPrecision(), d.getScale());
            }
            case DATE:
                return (int) (v.isIntegralNumber() ? v.longValue() : LocalDate.parse(v.asText()).toEpochDay());
            case TIME_WITHOUT_TIME_ZONE:
                return (int) (LocalTime.parse(v.asText()).toNanoOfDay() / 1_000_000L);
            case TIMESTAMP_WITHOUT_TIME_ZONE:
                return TimestampNtz.fromLocalDateTime(LocalDateTime.parse(v.asText()));
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return TimestampLtz.fromInstant(Instant.parse(v.asText()));
            default:
                throw new IllegalArgumentException("type " + t + " cannot be part of a key");
        }
    }
}
