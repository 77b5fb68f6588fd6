#!/usr/bin/python3
"""`migrate --verify N` (issue 10 "Commands"): sampled keys read back with Fluss's Lookup and
compared with the last value the bridge wrote for each. A clean copy verifies (exit 0, no
difference); when two mappings write different values for the same keys (two topics into one
table), whichever mapping wrote a key first no longer finds its own value there, so verify
must report differences and exit 4, whatever the order the topics were read in."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kfbe2e import datagen  # noqa: E402
from kfbe2e.scenario import Checks, Env, check_migrated, items_mapping, require_bridge  # noqa: E402


def verify_clean(T):
    items = datagen.items_table(buckets=4)
    with Env([items], tablet_servers=2, topics={"items": 4}) as env:
        env.kafka.produce("items", datagen.Gen(61).items(8000, 1500, 4))
        m = items_mapping(items)
        rc, b = env.migrate(env.config([m], group="v1"), args=("--verify", "500"))
        check_migrated(T, env, rc, b, "v1", [m], what="migrate --verify")
        out = b.stdout()
        T.check("verify read 500 sampled keys back, all equal",
                "500 sampled keys read back with Lookup: 500 equal, 0 differ, 0 unreadable" in out, out[-1500:])


def verify_finds_differences(T):
    items = datagen.items_table(buckets=2)
    with Env([items], topics={"a": 1, "b": 1}) as env:
        # the same 300 keys with different values in two topics, both mapped onto one table
        env.kafka.produce("a", datagen.Gen(62).items(600, 300, 1, tombstones=0))
        env.kafka.produce("b", datagen.Gen(63).items(600, 300, 1, tombstones=0))
        ma = items_mapping(items, topics="a", name="from_a")
        mb = items_mapping(items, topics="b", name="from_b")
        rc, b = env.migrate(env.config([ma, mb], group="v2"), args=("--verify", "1000"))
        out = b.stdout()
        T.eq("verify with conflicting writers: exit 4", 4, rc)
        T.check("verify names a differing key", "verify: shop.items key " in out, out[-2000:])
        T.check("verify counts differences", " differ," in out and ", 0 differ," not in out, out[-1500:])


if __name__ == "__main__":
    T = Checks("verify")
    require_bridge(T, "migrate")
    T.case(verify_clean)
    T.case(verify_finds_differences)
    T.finish()
