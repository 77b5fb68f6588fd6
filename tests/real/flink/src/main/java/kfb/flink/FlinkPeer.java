/*
 * The peer of the real-cluster benchmark (bench/real.sh): the Flink SQL pipeline users run
 * today to copy a Kafka topic into a Fluss primary-key table, on Flink's local mini cluster
 * (a TableEnvironment in local mode: job manager and task manager inside this JVM).
 *
 *   flink-peer --kafka HOST:PORT --fluss HOST:PORT --topic T --table DB.TABLE
 *              [--parallelism P] [--timeout-s S]
 *
 * Source: Flink's Kafka SQL connector, bounded at the end offsets of the start
 * ('scan.bounded.mode' = 'latest-offset'), so the job ends like `migrate` does, format
 * 'avro' (plain Avro binary: Flink's 'avro-confluent' format needs Confluent's
 * io.confluent:kafka-schema-registry-client, which is not on Maven Central). The
 * Avro schema Flink derives from the source table's columns (AvroSchemaConverter: NOT NULL
 * types plain, nullable ones ["null", T]) is the benchmark record's writer schema
 * (tests/support/bench_record.h), field by field. `ts` is read as its Avro long and turned
 * into TIMESTAMP_LTZ(3) by TO_TIMESTAMP_LTZ, which is what timestamp-millis means.
 * Sink: Fluss's catalog (fluss-flink-1.20), INSERT INTO the existing table DB.TABLE with the
 * connector's defaults (bucket shuffle, the Java writer's 2 MB batches).
 *
 * Prints one line `FLINK_RESULT wall_s=W net_s=N parallelism=P` (W: from the INSERT's
 * submission to the job's end; N: Flink's own JobExecutionResult.getNetRuntime, the job
 * from its start in the job master to its end, without SQL planning) and exits 0, or
 * prints the failure and exits 1. Every service binds to 127.0.0.1.
 */
package kfb.flink;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

public final class FlinkPeer {
    private FlinkPeer() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) usage("bad option " + args[i]);
            opt.put(args[i].substring(2), args[i + 1]);
        }
        for (String k : new String[] {"kafka", "fluss", "topic", "table"})
            if (!opt.containsKey(k)) usage("--" + k + " is required");
        int parallelism = Integer.parseInt(opt.getOrDefault("parallelism",
                String.valueOf(Runtime.getRuntime().availableProcessors())));
        long timeoutS = Long.parseLong(opt.getOrDefault("timeout-s", "900"));
        String[] table = opt.get("table").split("\\.", 2);
        if (table.length != 2) usage("--table must be DB.TABLE");

        Configuration conf = new Configuration();
        conf.setString("parallelism.default", String.valueOf(parallelism));
        // loopback only: the mini cluster's REST endpoint, RPC and blob/data ports
        conf.setString("rest.bind-address", "127.0.0.1");
        conf.setString("rest.address", "127.0.0.1");
        conf.setString("rest.bind-port", "0");
        conf.setString("jobmanager.bind-host", "127.0.0.1");
        conf.setString("jobmanager.rpc.address", "127.0.0.1");
        conf.setString("taskmanager.bind-host", "127.0.0.1");
        conf.setString("taskmanager.host", "127.0.0.1");
        conf.setString("execution.runtime-mode", "streaming");
        TableEnvironment te = TableEnvironment.create(
                EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(conf).build());

        te.executeSql("CREATE CATALOG fluss_catalog WITH ('type' = 'fluss', "
                + "'bootstrap.servers' = '" + opt.get("fluss") + "')");
        te.executeSql("CREATE TEMPORARY TABLE src ("
                + " id BIGINT NOT NULL, name STRING NOT NULL, a INT NOT NULL, d DOUBLE NOT NULL,"
                + " b BOOLEAN NOT NULL, ns STRING, ts BIGINT NOT NULL, city STRING NOT NULL,"
                + " f FLOAT NOT NULL, i2 INT NOT NULL"
                + ") WITH ("
                + " 'connector' = 'kafka',"
                + " 'topic' = '" + opt.get("topic") + "',"
                + " 'properties.bootstrap.servers' = '" + opt.get("kafka") + "',"
                + " 'properties.group.id' = 'bench-flink',"
                + " 'scan.startup.mode' = 'earliest-offset',"
                + " 'scan.bounded.mode' = 'latest-offset',"
                + " 'format' = 'avro')");

        long t0 = System.nanoTime();
        TableResult r = te.executeSql("INSERT INTO fluss_catalog.`" + table[0] + "`.`" + table[1]
                + "` SELECT id, name, a, d, b, ns, TO_TIMESTAMP_LTZ(ts, 3), city, f, i2 FROM src");
        JobClient job = r.getJobClient().orElseThrow(() -> new IllegalStateException("no job"));
        JobExecutionResult res;
        try {
            res = job.getJobExecutionResult().get(timeoutS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            job.cancel().get(30, TimeUnit.SECONDS);
            System.out.println("FLINK_ERROR the job did not finish within " + timeoutS + " s (cancelled)");
            System.exit(1);
            return;
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        System.out.printf("FLINK_RESULT wall_s=%.3f net_s=%.3f parallelism=%d%n", wall,
                res.getNetRuntime(TimeUnit.MILLISECONDS) / 1e3, parallelism);
        System.out.flush();
        // the mini cluster's threads are not all daemons: end the JVM here
        System.exit(0);
    }

    private static void usage(String why) {
        System.err.println("flink-peer: " + why);
        System.err.println("usage: flink-peer --kafka HOST:PORT --fluss HOST:PORT --topic T"
                + " --table DB.TABLE [--parallelism P] [--timeout-s S]");
        System.exit(2);
    }
}
