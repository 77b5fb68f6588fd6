# kafka-fluss-bridge - plain GNU make.
#
#   make                      build build/release/kafka-fluss-bridge
#   make test                 install missing Debian packages, build, run every test
#   make check                build and run every test (dependencies already present)
#   make SANITIZER=address    any target, built with -fsanitize=address (also: undefined,
#                             address,undefined); each sanitizer gets its own build dir
#   make fuzz                 libFuzzer (clang) targets, each run FUZZ_SECONDS (default 60)
#   make bench                benchmarks; each prints ratios against a baseline of the same run
#   make quickstart           install missing Debian packages, build, run the bridge end to end
#                             against the embedded Kafka and the Fluss test server
#
# Sources are found by wildcard: src/*.c form libkfb.a (src/main.c is the binary),
# proto/*.proto are compiled with protoc-c, tests/unit/test_*.c are test binaries,
# tests/support/*.c is linked into every test, tests/fuzz/fuzz_*.c are fuzz targets,
# bench/bench_*.c are benchmarks.

SANITIZER ?=
OPT ?= -O2
comma := ,
BUILD ?= build/$(if $(SANITIZER),$(subst $(comma),-,$(SANITIZER)),release)

PKGS := rdkafka avro-c yaml-0.1 libcurl jansson libprotobuf-c libmicrohttpd
# Deferred (=) so that `make test` can install the packages before pkg-config runs.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS))

SAN_FLAGS := $(if $(SANITIZER),-fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all)
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers
CPPFLAGS += -D_GNU_SOURCE -Iinclude -I$(BUILD)/gen -Itests -Itests/support
CFLAGS += -std=c11 $(OPT) -g $(WARN) $(SAN_FLAGS) -MMD -MP
LDFLAGS += $(SAN_FLAGS)
LDLIBS = $(PKG_LIBS) -lpthread -lm

LIB_SRCS := $(filter-out src/main.c,$(wildcard src/*.c))
PROTOS := $(wildcard proto/*.proto)
GEN_SRCS := $(patsubst proto/%.proto,$(BUILD)/gen/%.pb-c.c,$(PROTOS))
GEN_HDRS := $(GEN_SRCS:.c=.h)
LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS)) $(GEN_SRCS:.c=.o)
TESTLIB_SRCS := tests/harness.c $(wildcard tests/support/*.c)
TESTLIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(TESTLIB_SRCS))
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REGRESS_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz-regress/%,$(FUZZ_SRCS))
BENCH_SRCS := $(wildcard bench/bench_*.c)
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
# Extra programs: tests/programs/NAME.c -> $(BUILD)/NAME (e.g. the Fluss test server).
PROG_SRCS := $(wildcard tests/programs/*.c)
PROG_BINS := $(patsubst tests/programs/%.c,$(BUILD)/%,$(PROG_SRCS))

# The real-cluster suite: tests/real/test_*.c against a real Fluss cluster, run by
# tests/real/run.sh from scripts/run-tests.sh after everything else (tests/real/README.md).
REAL_SRCS := $(wildcard tests/real/test_*.c)
REAL_BINS := $(patsubst tests/real/%.c,$(BUILD)/real/%,$(REAL_SRCS))
REAL_SUPPORT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/real/real_*.c))

BIN := $(BUILD)/kafka-fluss-bridge

# Generated protobuf sources are real outputs, not intermediates to delete.
.SECONDARY: $(GEN_SRCS) $(GEN_HDRS)

.PHONY: all test check deps fuzz bench clean quickstart
.DEFAULT_GOAL := all

all: $(BIN) $(PROG_BINS)

deps:
	@scripts/install-deps.sh

# Builds with every core; the tests themselves run one binary at a time.
NPROC := $(shell nproc 2>/dev/null || echo 2)
test: deps
	@$(MAKE) --no-print-directory -j$(NPROC) check

# The real-cluster suite runs in the plain build only (sanitizer builds skip it: it tests
# the protocol against real servers, which a second run under ASan would not add to).
check: $(BIN) $(PROG_BINS) $(TEST_BINS) $(FUZZ_REGRESS_BINS) $(REAL_BINS)
	@KFB_REAL_SUITE=$(if $(SANITIZER),skip,run) scripts/run-tests.sh $(BUILD)

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto
	@mkdir -p $(dir $@)
	protoc-c --proto_path=proto --c_out=$(BUILD)/gen $<

# Generated protobuf sources are exempt from our warning set.
$(BUILD)/gen/%.pb-c.o: $(BUILD)/gen/%.pb-c.c
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) -std=c11 $(OPT) -g $(SAN_FLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.c | $(GEN_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/libkfb.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/libkfbtest.a: $(TESTLIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(BUILD)/obj/src/main.o $(BUILD)/libkfb.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(TEST_BINS): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libkfbtest.a $(BUILD)/libkfb.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(REAL_BINS): $(BUILD)/real/%: $(BUILD)/obj/tests/real/%.o $(REAL_SUPPORT_OBJS) $(BUILD)/libkfbtest.a $(BUILD)/libkfb.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(PROG_BINS): $(BUILD)/%: $(BUILD)/obj/tests/programs/%.o $(BUILD)/libkfbtest.a $(BUILD)/libkfb.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Fuzz targets double as regression tests: linked with a standalone driver (gcc)
# that replays tests/fuzz/corpus/NAME/ and a fixed budget of generated inputs.
$(FUZZ_REGRESS_BINS): $(BUILD)/fuzz-regress/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/standalone.o $(BUILD)/libkfbtest.a $(BUILD)/libkfb.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BENCH_BINS): $(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BUILD)/libkfbtest.a $(BUILD)/libkfb.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# scripts/quickstart.sh: kafka-mock with sample topics, the Fluss test server, check,
# migrate --verify, the resulting tables; everything on loopback, stopped at the end.
quickstart: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all
	@scripts/quickstart.sh --build $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory OPT=-O3 BUILD=build/bench bench-run

# Builds the benchmarks without running them (CI does this, so -O3 builds stay green).
bench-build: deps
	@$(MAKE) --no-print-directory OPT=-O3 BUILD=build/bench bench-bins

.PHONY: bench-run bench-build bench-bins
bench-bins: $(BENCH_BINS) $(PROG_BINS)

# bench_real runs inside bench/real.sh, which starts real Kafka and Fluss around it.
bench-run: $(BENCH_BINS) $(PROG_BINS)
	@set -e; for b in $(filter-out %/bench_real,$(BENCH_BINS)); do echo "### $$b"; $$b; done
	@echo "### bench/real.sh $(BUILD) (real Kafka and Fluss; the Flink SQL peer)"; bench/real.sh $(BUILD)

# libFuzzer builds use clang with its own build dir.
FUZZ_SECONDS ?= 60
fuzz: deps
	@$(MAKE) --no-print-directory CC=clang BUILD=build/fuzz \
	  SAN_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" fuzz-run

FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzzer/%,$(FUZZ_SRCS))
$(FUZZ_BINS): $(BUILD)/fuzzer/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/libkfbtest.a $(BUILD)/libkfb.a
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=fuzzer,address,undefined $^ $(LDLIBS) -o $@

.PHONY: fuzz-run
fuzz-run: $(FUZZ_BINS)
	@scripts/run-fuzz.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZ_BINS)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
