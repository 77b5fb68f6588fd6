"""The bridge's YAML configuration for a test (keys in conf/README.md and issue 10), written
in block style with every string double-quoted.

The Kafka group settings are the ones the mock coordinator needs (its rebalance waits up to
session.timeout.ms - 1000 ms; with librdkafka's defaults a rejoin takes 30 s and more).
"""
import json

KAFKA_TEST_SETTINGS = {
    "auto.offset.reset": "earliest",
    "session.timeout.ms": "6000",
    "heartbeat.interval.ms": "500",
    "max.poll.interval.ms": "10000",
}


def _scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(str(v))  # a JSON string is a valid YAML double-quoted scalar


def to_yaml(obj, indent=0):
    pad = "  " * indent
    lines = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{k}:")
                lines.append(to_yaml(v, indent + 1))
            elif isinstance(v, (dict, list)):
                lines.append(f"{pad}{k}: {'{}' if isinstance(v, dict) else '[]'}")
            else:
                lines.append(f"{pad}{k}: {_scalar(v)}")
    else:
        for v in obj:
            if isinstance(v, dict) and v:
                sub = to_yaml(v, indent + 1).split("\n")
                lines.append(f"{pad}- " + sub[0].lstrip())
                lines.extend(sub[1:])
            else:
                lines.append(f"{pad}- {_scalar(v)}")
    return "\n".join(lines)


def mapping_entry(m, **extra):
    """A mappings[] entry from a model.Mapping (plus extra keys such as create_partitions)."""
    e = {"name": m.name}
    if len(m.topics) == 1:
        e["topic"] = m.topics[0]
    else:
        e["topics"] = list(m.topics)
    e["table"] = m.table.full_name
    e["format"] = m.format
    e["key"] = m.key
    e["key_format"] = m.key_format
    if m.partial_update:
        e["partial_update"] = True
    if m.rename:
        e["rename"] = dict(m.rename)
    if m.ignore:
        e["ignore"] = sorted(m.ignore)
    e.update(extra)
    return e


def write_config(path, kafka_bootstrap, group, fluss_bootstrap, schemas_dir, mappings,
                 policy="fail", dead_letter_topic=None, max_per_minute=None, linger="20ms",
                 max_bytes=None, max_buffered_bytes=None, commit_interval="200ms",
                 revoke_timeout=None, shutdown_timeout=None, kafka_extra=None, log_level="info",
                 fluss_extra=None, metrics_listen=None, log_format=None):
    """Keys the pipeline adds (offsets.revoke_timeout, shutdown_timeout, errors.max_per_minute)
    are written only when given, so that a basic config also passes today's check-config.
    fluss_extra: more fluss.* keys, e.g. {"table_refresh_interval": "1s"}."""
    cfg = {
        "kafka": {"bootstrap.servers": kafka_bootstrap, "group.id": group, **KAFKA_TEST_SETTINGS,
                  **(kafka_extra or {})},
        "schemas_dir": schemas_dir,
        "fluss": {"bootstrap_servers": fluss_bootstrap, **(fluss_extra or {})},
        "batch": {"linger": linger},
        "offsets": {"commit_interval": commit_interval},
        "errors": {"policy": policy},
        "log": {"level": log_level},
        "mappings": [mapping_entry(m) if not isinstance(m, dict) else m for m in mappings],
    }
    if revoke_timeout:
        cfg["offsets"]["revoke_timeout"] = revoke_timeout
    if shutdown_timeout:
        cfg["shutdown_timeout"] = shutdown_timeout
    if max_bytes:
        cfg["batch"]["max_bytes"] = max_bytes
    if max_buffered_bytes:
        cfg["batch"]["max_buffered_bytes"] = max_buffered_bytes
    if dead_letter_topic:
        cfg["errors"]["dead_letter_topic"] = dead_letter_topic
    if max_per_minute is not None:
        cfg["errors"]["max_per_minute"] = max_per_minute
    if metrics_listen:
        cfg["metrics"] = {"listen": metrics_listen}
    if log_format:
        cfg["log"]["format"] = log_format
    with open(path, "w") as f:
        f.write("# written by tests/e2e/kfbe2e/config.py\n" + to_yaml(cfg) + "\n")
    return path
