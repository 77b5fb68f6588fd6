/*
 * The independent producer of the real end-to-end tests: fills a real Kafka topic with
 * Confluent-framed Avro messages (magic byte 0, 4-byte big-endian schema id, Avro binary
 * body; framing written here by hand, the body by Apache Avro's Java library) and writes,
 * from its own input, what Fluss must hold afterwards (the judge's expected-state file).
 *
 *   producer --bootstrap HOST:PORT --scenario plain|debezium|evolve --topic T --out DIR
 *            [--messages N] [--keys K] [--partitions P] [--buckets B] [--table DB.TABLE]
 *            [--schemas DIR] [--seed S] [--phase 1|2]
 *
 * Writes into DIR:
 *   schemas/<id>.avsc   every writer schema by its id (the bridge's directory schema source;
 *                       --schemas DIR puts them there instead: ids differ between scenarios)
 *   table.json          the Fluss table descriptor to create (with field ids, as Java writes)
 *   expected.jsonl      the judge's expected-state file (tests/real/README.md), with each
 *                       key's partition and the offset of the message behind each state
 *   summary.properties  messages, tombstones, keys, per-partition end offsets
 *
 * Scenarios (both use two writer schemas and Kafka keys framed like values):
 *   plain     records {id, name, qty, price decimal(10,2), updated timestamp-millis} (schema
 *             2) and the same plus `note` (schema 3); tombstones delete; key schema 1.
 *   debezium  envelopes {before, after, op, ts_ms} of rows {id, name, qty} (schema 12) and
 *             {id, name, qty, email} (schema 13); ops r, c, u, u with a changed primary key
 *             (delete of the old key, upsert of the new), d followed by its tombstone;
 *             key schema 11.
 *   evolve    the plain scenario's messages and schemas, sent in two runs of the producer
 *             (same options and seed): --phase 1 creates the topic and sends the first half,
 *             written with schema 2 only, and writes schemas 1 and 2; --phase 2 writes
 *             schema 3 (schema 2 plus a nullable `note`: the writer schema gains a field
 *             halfway) and sends the second half (the first half generated again, not
 *             sent). A table created from schema 2 between the phases must gain `note`;
 *             expected.jsonl has null in it for rows last written with schema 2. Each
 *             phase writes the expected state and end offsets of what the topic holds then.
 * Key schemas take the lowest id of their scenario: the bridge's `check` with a schema
 * directory takes its highest <id>.avsc as the topic's value schema.
 * A key and everything that can touch it stay in one Kafka partition (id % P; a key change
 * moves to a new id of the same residue), so its expected order is the partition's order.
 */
package kfb.producer;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

public final class Producer {
    private final Map<String, String> opt = new HashMap<>();
    private final SplittableRandom rnd;
    private final int partitions;
    private final Path out;
    /* per key id: the JSON row after each write (null = deleted), in write order, and the
     * Kafka offset of the message that made it (all of a key's messages share a partition) */
    private final TreeMap<Integer, List<String>> states = new TreeMap<>();
    private final TreeMap<Integer, List<Long>> stateOffsets = new TreeMap<>();
    /* next offset per partition: the topic is new and one idempotent producer writes it, so
     * offsets are 0, 1, 2, ... in send order (checked against the end offsets at the end) */
    private long[] sent;
    private long lastOffset;
    private long messages, tombstones;
    private KafkaProducer<byte[], byte[]> producer;
    /* evolve: 0 (both halves), 1 or 2; messages below sendFrom are generated, not sent */
    private int phase;
    private long sendFrom;
    private boolean muted;
    private final List<Future<?>> pending = new ArrayList<>();
    private String topic;

    private Producer(String[] args) {
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) throw new IllegalArgumentException("bad option " + args[i]);
            opt.put(args[i].substring(2), args[i + 1]);
        }
        rnd = new SplittableRandom(Long.parseLong(opt.getOrDefault("seed", "42")));
        partitions = Integer.parseInt(opt.getOrDefault("partitions", "4"));
        out = Paths.get(need("out"));
    }

    private String need(String k) {
        String v = opt.get(k);
        if (v == null) throw new IllegalArgumentException("--" + k + " is required");
        return v;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args.length % 2 != 0) {
            System.err.println("usage: producer --bootstrap HOST:PORT --scenario plain|debezium|evolve"
                    + " --topic T --out DIR [--messages N] [--keys K] [--partitions P]"
                    + " [--buckets B] [--table DB.TABLE] [--schemas DIR] [--seed S] [--phase 1|2]");
            System.exit(2);
        }
        new Producer(args).run();
    }

    private void run() throws Exception {
        Files.createDirectories(out);
        Files.createDirectories(schemasDir());
        topic = need("topic");
        String scenario = need("scenario");
        long n = Long.parseLong(opt.getOrDefault("messages", "300000"));
        int keys = Integer.parseInt(opt.getOrDefault("keys", "20000"));
        phase = Integer.parseInt(opt.getOrDefault("phase", "0"));
        if (phase != 0 && !scenario.equals("evolve"))
            throw new IllegalArgumentException("--phase is for --scenario evolve");
        if (phase < 0 || phase > 2) throw new IllegalArgumentException("--phase is 1 or 2");
        if (phase != 2) createTopic(); // phase 2 sends to the topic of phase 1
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, need("bootstrap"));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> kp = new KafkaProducer<>(p)) {
            producer = kp;
            if (scenario.equals("plain") || scenario.equals("evolve")) plain(n, keys);
            else if (scenario.equals("debezium")) debezium(n, keys);
            else throw new IllegalArgumentException("unknown scenario " + scenario);
            kp.flush();
            for (Future<?> f : pending) f.get(60, TimeUnit.SECONDS); // every send acknowledged
        }
        double s = (System.nanoTime() - t0) / 1e9;
        writeExpected();
        Map<Integer, Long> ends = endOffsets();
        long total = 0;
        for (long e : ends.values()) total += e;
        if (total != messages)
            throw new IllegalStateException("topic holds " + total + " messages, sent " + messages);
        for (Map.Entry<Integer, Long> e : ends.entrySet())
            if (e.getValue() != sent[e.getKey()])
                throw new IllegalStateException("partition " + e.getKey() + " ends at "
                        + e.getValue() + ", expected " + sent[e.getKey()]
                        + ": the offsets in expected.jsonl would be wrong");
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("summary.properties")))) {
            w.println("topic=" + topic);
            w.println("messages=" + messages);
            w.println("tombstones=" + tombstones);
            w.println("keys=" + states.size());
            for (Map.Entry<Integer, Long> e : ends.entrySet())
                w.println("end_offset." + e.getKey() + "=" + e.getValue());
        }
        System.out.printf("producer: %d messages (%d tombstones) over %d keys to %s (%d partitions)"
                + " in %.1f s; end offsets %s%n", messages, tombstones, states.size(), topic,
                partitions, s, ends);
    }

    private void createTopic() throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, need("bootstrap"));
        try (Admin a = Admin.create(p)) {
            a.createTopics(Collections.singleton(new NewTopic(topic, partitions, (short) 1)))
                    .all().get(60, TimeUnit.SECONDS);
        }
    }

    private Map<Integer, Long> endOffsets() throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, need("bootstrap"));
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (int i = 0; i < partitions; i++) q.put(new TopicPartition(topic, i), OffsetSpec.latest());
        TreeMap<Integer, Long> r = new TreeMap<>();
        try (Admin a = Admin.create(p)) {
            a.listOffsets(q).all().get(60, TimeUnit.SECONDS)
                    .forEach((tp, info) -> r.put(tp.partition(), info.offset()));
        }
        return r;
    }

    /* ---------------------------------------------------------------- framing */

    /* Confluent wire format, by hand: magic 0, schema id (int32 big-endian), Avro body. */
    private static byte[] frame(int schemaId, Schema schema, GenericRecord rec) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(128);
        bos.write(0);
        bos.write(ByteBuffer.allocate(4).putInt(schemaId).array());
        BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(bos, null);
        new GenericDatumWriter<GenericRecord>(schema).write(rec, enc);
        enc.flush();
        return bos.toByteArray();
    }

    private void send(int partition, byte[] key, byte[] value) {
        if (sent == null) sent = new long[partitions];
        lastOffset = sent[partition]++;
        messages++;
        if (value == null) tombstones++;
        if (muted) return; // evolve --phase 2: the first half is in the topic already
        pending.add(producer.send(new ProducerRecord<>(topic, partition, key, value)));
        if (pending.size() >= 10000) { // bound what is held; the futures complete in order
            try {
                for (Future<?> f : pending) f.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("send failed", e);
            }
            pending.clear();
        }
    }

    /* --schemas DIR (one directory for several topics: their ids differ), else OUT/schemas */
    private Path schemasDir() {
        return opt.containsKey("schemas") ? Paths.get(opt.get("schemas")) : out.resolve("schemas");
    }

    private void writeSchema(int id, Schema s) throws IOException {
        Files.write(schemasDir().resolve(id + ".avsc"),
                s.toString(true).getBytes(StandardCharsets.UTF_8));
    }

    /* The key's state after the message just sent. */
    private void push(int id, String rowJson) {
        states.computeIfAbsent(id, k -> new ArrayList<>()).add(rowJson);
        stateOffsets.computeIfAbsent(id, k -> new ArrayList<>()).add(lastOffset);
    }

    private boolean live(int id) {
        List<String> l = states.get(id);
        return l != null && !l.isEmpty() && l.get(l.size() - 1) != null;
    }

    private void writeExpected() throws IOException {
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("expected.jsonl")))) {
            w.println("{\"table\": \"" + opt.getOrDefault("table", "kfb_e2e." + topic)
                    + "\", \"exact\": true}");
            for (Map.Entry<Integer, List<String>> e : states.entrySet()) {
                StringBuilder sb = new StringBuilder();
                sb.append("{\"key\": {\"id\": ").append(e.getKey()).append("}, \"partition\": ")
                        .append(e.getKey() % partitions).append(", \"states\": [");
                for (int i = 0; i < e.getValue().size(); i++) {
                    if (i > 0) sb.append(", ");
                    String s = e.getValue().get(i);
                    sb.append(s == null ? "null" : s);
                }
                sb.append("], \"offsets\": ").append(stateOffsets.get(e.getKey()));
                w.println(sb.append("}"));
            }
        }
    }

    private void writeTable(String columnsJson, int ncols) throws IOException {
        String json = "{\"version\":1,\"schema\":{\"version\":1,\"columns\":[" + columnsJson
                + "],\"primary_key\":[\"id\"],\"highest_field_id\":" + (ncols - 1)
                + "},\"partition_key\":[],\"bucket_key\":[\"id\"],\"bucket_count\":"
                + opt.getOrDefault("buckets", "4") + ",\"properties\":{},\"custom_properties\":{}}";
        Files.write(out.resolve("table.json"), json.getBytes(StandardCharsets.UTF_8));
    }

    private static String col(int id, String name, String type) {
        return "{\"name\":\"" + name + "\",\"data_type\":" + type + ",\"id\":" + id + "}";
    }

    private static String q(String s) {
        return s == null ? "null" : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /* ------------------------------------------------------------------ plain */

    private static final String KEY_SCHEMA =
            "{\"type\":\"record\",\"name\":\"Key\",\"namespace\":\"kfb\",\"fields\":"
                    + "[{\"name\":\"id\",\"type\":\"int\"}]}";

    private void plain(long n, int keys) throws Exception {
        String fields = "{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"name\",\"type\":\"string\"},"
                + "{\"name\":\"qty\",\"type\":\"long\"},"
                + "{\"name\":\"price\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
                + "\"precision\":10,\"scale\":2}},"
                + "{\"name\":\"updated\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}";
        Schema v1 = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Item\",\"namespace\":"
                + "\"kfb\",\"fields\":[" + fields + "]}");
        Schema v2 = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Item\",\"namespace\":"
                + "\"kfb\",\"fields\":[" + fields + ",{\"name\":\"note\",\"type\":[\"null\",\"string\"],"
                + "\"default\":null}]}");
        Schema ks = new Schema.Parser().parse(KEY_SCHEMA);
        writeSchema(1, ks); // keys lowest: `check` takes the highest id as the value schema
        writeSchema(2, v1);
        if (phase != 1) writeSchema(3, v2); // evolve: the producer registers it at half time
        writeTable(col(0, "id", "{\"type\":\"INTEGER\",\"nullable\":false}") + ","
                + col(1, "name", "{\"type\":\"STRING\"}") + "," + col(2, "qty", "{\"type\":\"BIGINT\"}")
                + "," + col(3, "price", "{\"type\":\"DECIMAL\",\"precision\":10,\"scale\":2}") + ","
                + col(4, "updated", "{\"type\":\"TIMESTAMP_WITH_LOCAL_TIME_ZONE\",\"precision\":3}")
                + "," + col(5, "note", "{\"type\":\"STRING\"}"), 6);
        long base = 1700000000000L;
        long end = phase == 1 ? n / 2 : n;
        sendFrom = phase == 2 ? n / 2 : 0;
        for (long i = 0; i < end; i++) {
            muted = i < sendFrom;
            int id = rnd.nextInt(keys);
            GenericRecord k = new GenericData.Record(ks);
            k.put("id", id);
            byte[] key = frame(1, ks, k);
            int part = id % partitions;
            if (rnd.nextInt(10) == 0) { // tombstone: delete (nothing if absent)
                send(part, key, null);
                if (live(id)) push(id, null);
                continue;
            }
            boolean second = i >= n / 2 && rnd.nextBoolean();
            Schema s = second ? v2 : v1;
            GenericRecord r = new GenericData.Record(s);
            String name = "n" + id + "-" + i;
            long qty = rnd.nextLong(-1L << 40, 1L << 40);
            long unscaled = rnd.nextLong(-9_999_999_999L, 9_999_999_999L);
            long updated = base + i * 7;
            r.put("id", id);
            r.put("name", name);
            r.put("qty", qty);
            r.put("price", ByteBuffer.wrap(BigInteger.valueOf(unscaled).toByteArray()));
            r.put("updated", updated);
            String note = null;
            if (second && rnd.nextInt(3) != 0) note = "note " + i;
            if (second) r.put("note", note);
            send(part, key, frame(second ? 3 : 2, s, r));
            push(id, "{\"id\": " + id + ", \"name\": " + q(name) + ", \"qty\": " + qty
                    + ", \"price\": \"" + BigDecimal.valueOf(unscaled, 2).toPlainString()
                    + "\", \"updated\": \"" + Instant.ofEpochMilli(updated) + "\", \"note\": "
                    + q(note) + "}");
        }
    }

    /* --------------------------------------------------------------- debezium */

    private void debezium(long n, int keys) throws Exception {
        String row1 = "{\"type\":\"record\",\"name\":\"Value\",\"namespace\":\"kfb.dbz\",\"fields\":["
                + "{\"name\":\"id\",\"type\":\"int\"},{\"name\":\"name\",\"type\":\"string\"},"
                + "{\"name\":\"qty\",\"type\":[\"null\",\"long\"],\"default\":null}";
        String row2 = row1 + ",{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
        row1 = row1 + "]}";
        Schema e1 = envelope(row1), e2 = envelope(row2);
        Schema ks = new Schema.Parser().parse(KEY_SCHEMA.replace("\"kfb\"", "\"kfb.dbz\""));
        writeSchema(11, ks);
        writeSchema(12, e1);
        writeSchema(13, e2);
        writeTable(col(0, "id", "{\"type\":\"INTEGER\",\"nullable\":false}") + ","
                + col(1, "name", "{\"type\":\"STRING\"}") + "," + col(2, "qty", "{\"type\":\"BIGINT\"}")
                + "," + col(3, "email", "{\"type\":\"STRING\"}"), 4);
        // current row of each live id (as the envelope's `before` must carry it)
        Map<Integer, Object[]> cur = new HashMap<>();
        List<Integer> liveIds = new ArrayList<>();
        int nextId = 0;
        // snapshot: `r` events for the first keys
        for (; nextId < Math.min(keys, n / 4); nextId++) {
            Object[] row = {nextId, "snap" + nextId, (long) nextId, null};
            emit(nextId, "r", null, row, false, e1, e2);
            cur.put(nextId, row);
            liveIds.add(nextId);
        }
        for (long i = messages; i < n; ) {
            int dice = rnd.nextInt(100);
            // deletes only while at least half the keys live: the final state keeps rows
            if (dice >= 87 && liveIds.size() < keys / 2) dice = 0;
            if (liveIds.isEmpty() || dice < 15) { // create a new key
                int id = nextId++;
                Object[] row = {id, "c" + i, rnd.nextBoolean() ? null : (long) i, null};
                emit(id, "c", null, row, rnd.nextBoolean(), e1, e2);
                cur.put(id, row);
                liveIds.add(id);
            } else {
                int slot = rnd.nextInt(liveIds.size());
                int id = liveIds.get(slot);
                Object[] before = cur.get(id);
                if (dice < 75) { // update in place
                    boolean v2 = rnd.nextBoolean();
                    Object[] after = {id, "u" + i, rnd.nextInt(5) == 0 ? null : rnd.nextLong(),
                            v2 && rnd.nextBoolean() ? "e" + i + "@x" : null};
                    emit(id, "u", before, after, v2, e1, e2);
                    cur.put(id, after);
                } else if (dice < 87) { // primary-key change: a new id in the same partition
                    int nid = nextId++;
                    while (nid % partitions != id % partitions) nid = nextId++;
                    Object[] after = {nid, "k" + i, before[2], null};
                    emit(nid, "u", before, after, false, e1, e2);
                    cur.remove(id);
                    cur.put(nid, after);
                    liveIds.set(slot, nid);
                } else { // delete, then its tombstone
                    emit(id, "d", before, null, false, e1, e2);
                    GenericRecord k = new GenericData.Record(ks);
                    k.put("id", id);
                    send(id % partitions, frame(11, ks, k), null);
                    cur.remove(id);
                    liveIds.set(slot, liveIds.get(liveIds.size() - 1));
                    liveIds.remove(liveIds.size() - 1);
                }
            }
            i = messages;
        }
    }

    private static Schema envelope(String row) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Envelope\",\"namespace\":"
                + "\"kfb.dbz\",\"fields\":[{\"name\":\"before\",\"type\":[\"null\"," + row
                + "],\"default\":null},{\"name\":\"after\",\"type\":[\"null\",\"kfb.dbz.Value\"],"
                + "\"default\":null},{\"name\":\"op\",\"type\":\"string\"},"
                + "{\"name\":\"ts_ms\",\"type\":[\"null\",\"long\"],\"default\":null}]}");
    }

    private Schema keySchema;

    /* One envelope keyed by `keyId` (after's id, or before's for a delete); the expected
     * states: a key change deletes before's id and writes after's. */
    private void emit(int keyId, String op, Object[] before, Object[] after, boolean v2,
                      Schema e1, Schema e2) throws IOException {
        if (keySchema == null) keySchema = new Schema.Parser().parse(KEY_SCHEMA.replace("\"kfb\"", "\"kfb.dbz\""));
        Schema env = v2 ? e2 : e1;
        Schema rowSchema = env.getField("after").schema().getTypes().get(1);
        GenericRecord e = new GenericData.Record(env);
        e.put("before", before == null ? null : row(rowSchema, before, v2));
        e.put("after", after == null ? null : row(rowSchema, after, v2));
        e.put("op", op);
        e.put("ts_ms", 1700000000000L + messages);
        GenericRecord k = new GenericData.Record(keySchema);
        k.put("id", keyId);
        send(keyId % partitions, frame(11, keySchema, k), frame(v2 ? 13 : 12, env, e));
        if (before != null && (after == null || !before[0].equals(after[0])))
            push((Integer) before[0], null);
        if (after != null)
            push((Integer) after[0], "{\"id\": " + after[0] + ", \"name\": " + q((String) after[1])
                    + ", \"qty\": " + after[2] + ", \"email\": " + q(v2 ? (String) after[3] : null) + "}");
    }

    private static GenericRecord row(Schema s, Object[] v, boolean v2) {
        GenericRecord r = new GenericData.Record(s);
        r.put("id", v[0]);
        r.put("name", v[1]);
        r.put("qty", v[2]);
        if (v2) r.put("email", v[3]);
        return r;
    }
}
