/*
 * mapper_jit.c - x86-64 machine code for a plan's fused ops (mapper_internal.h, fop_t).
 *
 * The fused ops of a plan (one per Avro field, plus union-index and key-bound marks) are
 * run by fused_one's threaded interpreter. On x86-64 Linux each plan with fused ops also
 * gets this straight-line translation of them: per op its common case inline (zigzag
 * varints transcoded to LEB128 without unpacking, short strings moved in 8- and 16-byte
 * pieces with their ASCII test, fixed-size values moved whole, union indexes of one byte),
 * so the op dispatch, the op fields and the per-op kind tests of the interpreter are gone.
 * Anything else an op meets (a long or non-ASCII string, a wide varint, a null in a key
 * column, skipped fields, conversions without an inline form) is handed to
 * kfb_mapper_jit_slow_, which runs that one field with the general decoder and writer
 * (run_column, put_slot: the interpreter's F_GENERIC) and returns to the code after it.
 * When a field fails there, the code returns NULL and fused_one runs the message with the
 * interpreter, which declines it to the general path: errors and their text stay the
 * general path's. For a single key column of 1..8 bytes under Fluss bucketing the code
 * also computes the bucket, right after the key field (emit_hash_reg, emit_bucket), so the
 * hash's chain of multiplications overlaps the later fields; fused_one and map_batch's
 * loop (jit_run, mapper_exec.c) hash the other keys. Only fast paths live here; the interpreter is the reference they are
 * tested against (tests/unit/test_mapper_jit.c, fuzz_mapper).
 *
 * Calling convention (System V, a leaf except for the slow calls):
 *   uint8_t *code(const uint8_t *cp, const uint8_t *cend, uint8_t *p, uint8_t *base,
 *                 kfb_jit_ctx_t *ctx)
 * cp..cend is the Avro body (at least 8 bytes: reads near its end load the last 8 bytes
 * and shift), p the row position after the null bitmap, base the row start (bitmap, key
 * marks); the row has 8 bytes of slack past its reserve. Returns the row end, or NULL.
 * Registers: rdi cursor, rsi end, rdx row position, r10 row base, r8 ctx; rax, rcx, r9,
 * r11 and xmm0-3 are scratch. An op moves rdi/rdx only when it is done, so a slow call
 * starts from the op's (or its union's) first byte.
 */
#include "mapper_internal.h"

#if KFB_MAPPER_JIT

#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- registers and an emitter for the instruction forms used ---------------------- */

enum { RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7, R8 = 8,
       R9 = 9, R10 = 10, R11 = 11, RIP = 16, NOREG = -1 };
#define R_CP RDI
#define R_END RSI
#define R_P RDX
#define R_BASE R10
#define R_CTX R8

/* condition codes (the low nibble of Jcc) */
enum { CC_B = 0x2, CC_AE = 0x3, CC_E = 0x4, CC_NE = 0x5, CC_A = 0x7 };

/* sections: hot code, cold code (slow calls, tails), constant pool; laid out in order */
enum { S_HOT = 0, S_COLD, S_POOL, N_SECT };

typedef struct sect {
    uint8_t *b;
    size_t n, cap;
} sect_t;

/* a 32-bit displacement to patch: at (sect, off), relative to the end of the instruction
 * (off + 4 + tail), pointing at label `label` */
typedef struct fixup {
    uint8_t sect;
    uint8_t tail;
    uint32_t off;
    uint32_t label;
} fixup_t;

typedef struct label {
    int sect; /* -1: not placed yet */
    uint32_t off;
} label_t;

typedef struct jit {
    sect_t s[N_SECT];
    int cur;
    label_t *lab;
    size_t n_lab, cap_lab;
    fixup_t *fix;
    size_t n_fix, cap_fix;
    int oom;
} jit_t;

static void put(jit_t *j, const void *p, size_t n) {
    sect_t *s = &j->s[j->cur];
    if (s->n + n > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        while (cap < s->n + n) cap *= 2;
        uint8_t *b = realloc(s->b, cap);
        if (!b) {
            j->oom = 1;
            return;
        }
        s->b = b;
        s->cap = cap;
    }
    memcpy(s->b + s->n, p, n);
    s->n += n;
}
static void b1(jit_t *j, unsigned v) {
    uint8_t c = (uint8_t)v;
    put(j, &c, 1);
}
static void b4(jit_t *j, uint32_t v) {
    uint8_t c[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(j, c, 4);
}
static void b8(jit_t *j, uint64_t v) {
    b4(j, (uint32_t)v);
    b4(j, (uint32_t)(v >> 32));
}

static uint32_t new_label(jit_t *j) {
    if (j->n_lab == j->cap_lab) {
        size_t cap = j->cap_lab ? j->cap_lab * 2 : 64;
        label_t *l = realloc(j->lab, cap * sizeof(*l));
        if (!l) {
            j->oom = 1;
            return 0;
        }
        j->lab = l;
        j->cap_lab = cap;
    }
    j->lab[j->n_lab].sect = -1;
    return (uint32_t)j->n_lab++;
}
static void place(jit_t *j, uint32_t l) {
    if (j->oom) return;
    j->lab[l].sect = j->cur;
    j->lab[l].off = (uint32_t)j->s[j->cur].n;
}
/* a rel32 to label l at the current position; tail: instruction bytes after it */
static void rel32(jit_t *j, uint32_t l, unsigned tail) {
    if (j->n_fix == j->cap_fix) {
        size_t cap = j->cap_fix ? j->cap_fix * 2 : 128;
        fixup_t *f = realloc(j->fix, cap * sizeof(*f));
        if (!f) {
            j->oom = 1;
            return;
        }
        j->fix = f;
        j->cap_fix = cap;
    }
    j->fix[j->n_fix++] = (fixup_t){(uint8_t)j->cur, (uint8_t)tail, (uint32_t)j->s[j->cur].n, l};
    b4(j, 0);
}

/* A memory operand: [base + index * scale + disp], or [rip + label] (base RIP). */
typedef struct mem {
    int base, index, scale;
    int32_t disp;
    uint32_t label;
} mem_t;
static mem_t M(int base, int32_t disp) { return (mem_t){base, NOREG, 1, disp, 0}; }
static mem_t MX(int base, int index, int scale, int32_t disp) {
    return (mem_t){base, index, scale, disp, 0};
}
static mem_t MRIP(uint32_t label) { return (mem_t){RIP, NOREG, 1, 0, label}; }

/* REX prefix: w (64-bit operand), r (ModRM.reg), x (SIB.index), b (ModRM.rm / SIB.base);
 * force: emit 0x40 even without bits (byte registers sil/dil and the like) */
static void rex(jit_t *j, int w, int r, int x, int b, int force) {
    unsigned v = 0x40 | (w ? 8 : 0) | ((r & 8) ? 4 : 0) | ((x & 8) ? 2 : 0) | ((b & 8) ? 1 : 0);
    if (v != 0x40 || force) b1(j, v);
}

/* ModRM (+ SIB, displacement) for reg field `reg` and memory operand m; tail: immediate
 * bytes that follow (for RIP-relative displacements) */
static void modrm_mem(jit_t *j, int reg, mem_t m, unsigned tail) {
    if (m.base == RIP) {
        b1(j, (unsigned)(((reg & 7) << 3) | 5));
        rel32(j, m.label, tail);
        return;
    }
    int need_sib = m.index != NOREG || (m.base & 7) == RSP;
    unsigned mod = m.disp == 0 && (m.base & 7) != RBP ? 0 : (m.disp >= -128 && m.disp <= 127 ? 1 : 2);
    b1(j, (mod << 6) | (unsigned)((reg & 7) << 3) | (need_sib ? 4u : (unsigned)(m.base & 7)));
    if (need_sib) {
        unsigned ss = m.scale == 8 ? 3 : m.scale == 4 ? 2 : m.scale == 2 ? 1 : 0;
        unsigned idx = m.index == NOREG ? 4 : (unsigned)(m.index & 7);
        b1(j, (ss << 6) | (idx << 3) | (unsigned)(m.base & 7));
    }
    if (mod == 1) b1(j, (unsigned)(int8_t)m.disp);
    else if (mod == 2) b4(j, (uint32_t)m.disp);
}

/* op reg, [mem] (or op [mem], reg: the direction is the opcode's); w: 64-bit */
static void op_rm(jit_t *j, int w, const uint8_t *opc, size_t n_opc, int reg, mem_t m,
                  unsigned tail) {
    int idx = m.index == NOREG ? 0 : m.index;
    int base = m.base == RIP ? 0 : m.base;
    rex(j, w, reg, idx, base, 0);
    put(j, opc, n_opc);
    modrm_mem(j, reg, m, tail);
}
/* op dst(rm), src(reg) between registers; force_rex as rex() */
static void op_rr_(jit_t *j, int w, const uint8_t *opc, size_t n_opc, int reg, int rm,
                   int force_rex) {
    rex(j, w, reg, 0, rm, force_rex);
    put(j, opc, n_opc);
    b1(j, 0xc0 | (unsigned)((reg & 7) << 3) | (unsigned)(rm & 7));
}
static void op_rr(jit_t *j, int w, const uint8_t *opc, size_t n_opc, int reg, int rm) {
    op_rr_(j, w, opc, n_opc, reg, rm, 0);
}
/* with a byte register as rm: always a REX prefix, so that 4..7 are spl/bpl/sil/dil and
 * not ah/ch/dh/bh */
static void op_rr8(jit_t *j, const uint8_t *opc, size_t n_opc, int reg, int rm) {
    op_rr_(j, 0, opc, n_opc, reg, rm, 1);
}

#define OPC(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

/* ALU between registers, dst op= src (64-bit) */
enum { ALU_ADD = 0x01, ALU_OR = 0x09, ALU_AND = 0x21, ALU_SUB = 0x29, ALU_XOR = 0x31,
       ALU_CMP = 0x39, ALU_MOV = 0x89, ALU_TEST = 0x85 };
static void alu_rr(jit_t *j, unsigned alu, int dst, int src) { op_rr(j, 1, OPC((uint8_t)alu), src, dst); }
/* dst op= [mem] (64-bit): the reg-from-rm opcodes are alu + 2 (mov: 0x8b) */
static void alu_rm(jit_t *j, unsigned alu, int dst, mem_t m) {
    op_rm(j, 1, OPC((uint8_t)(alu + 2)), dst, m, 0);
}
/* dst op= imm32 (64-bit, sign-extended): /digit of 0x81 */
enum { IMM_ADD = 0, IMM_OR = 1, IMM_AND = 4, IMM_SUB = 5, IMM_CMP = 7 };
static void alu_ri(jit_t *j, unsigned digit, int dst, int32_t imm) {
    if (imm >= -128 && imm <= 127) {
        op_rr(j, 1, OPC(0x83), (int)digit, dst);
        b1(j, (unsigned)(int8_t)imm);
    } else {
        op_rr(j, 1, OPC(0x81), (int)digit, dst);
        b4(j, (uint32_t)imm);
    }
}
static void mov_rr(jit_t *j, int dst, int src) { alu_rr(j, ALU_MOV, dst, src); }
static void mov32_ri(jit_t *j, int dst, uint32_t imm) {
    rex(j, 0, 0, 0, dst, 0);
    b1(j, 0xb8 + (unsigned)(dst & 7));
    b4(j, imm);
}
static void movabs(jit_t *j, int dst, uint64_t imm) {
    rex(j, 1, 0, 0, dst, 0);
    b1(j, 0xb8 + (unsigned)(dst & 7));
    b8(j, imm);
}
static void load64(jit_t *j, int dst, mem_t m) { op_rm(j, 1, OPC(0x8b), dst, m, 0); }
static void load32(jit_t *j, int dst, mem_t m) { op_rm(j, 0, OPC(0x8b), dst, m, 0); }
static void load8zx(jit_t *j, int dst, mem_t m) { op_rm(j, 0, OPC(0x0f, 0xb6), dst, m, 0); }
static void store64(jit_t *j, mem_t m, int src) { op_rm(j, 1, OPC(0x89), src, m, 0); }
static void store32(jit_t *j, mem_t m, int src) { op_rm(j, 0, OPC(0x89), src, m, 0); }
static void store8(jit_t *j, mem_t m, int src) {
    rex(j, 0, src, m.index == NOREG ? 0 : m.index, m.base, 1);
    b1(j, 0x88);
    modrm_mem(j, src, m, 0);
}
static void lea(jit_t *j, int dst, mem_t m) { op_rm(j, 1, OPC(0x8d), dst, m, 0); }
/* or byte [mem], imm8 */
static void or8_mi(jit_t *j, mem_t m, uint8_t imm) {
    op_rm(j, 0, OPC(0x80), 1, m, 1);
    b1(j, imm);
}
/* shifts by an immediate / by cl (64-bit): /4 shl, /5 shr */
static void shl_ri(jit_t *j, int r, unsigned n) { op_rr(j, 1, OPC(0xc1), 4, r); b1(j, n); }
static void shr_ri(jit_t *j, int r, unsigned n) { op_rr(j, 1, OPC(0xc1), 5, r); b1(j, n); }
static void shl_rcl(jit_t *j, int r) { op_rr(j, 1, OPC(0xd3), 4, r); }
static void shr_rcl(jit_t *j, int r) { op_rr(j, 1, OPC(0xd3), 5, r); }
static void not_r(jit_t *j, int r) { op_rr(j, 1, OPC(0xf7), 2, r); }
static void neg32_r(jit_t *j, int r) { op_rr(j, 0, OPC(0xf7), 3, r); }
/* tzcnt (bsf on CPUs without BMI1: the same result for a nonzero source) */
static void tzcnt(jit_t *j, int dst, int src) {
    b1(j, 0xf3);
    op_rr(j, 1, OPC(0x0f, 0xbc), dst, src);
}
static void bsr(jit_t *j, int dst, int src) { op_rr(j, 1, OPC(0x0f, 0xbd), dst, src); }
/* test r32, imm32 */
static void test32_ri(jit_t *j, int r, uint32_t imm) {
    op_rr(j, 0, OPC(0xf7), 0, r);
    b4(j, imm);
}
static void jcc(jit_t *j, unsigned cc, uint32_t l) {
    b1(j, 0x0f);
    b1(j, 0x80 | cc);
    rel32(j, l, 0);
}
static void jmp(jit_t *j, uint32_t l) {
    b1(j, 0xe9);
    rel32(j, l, 0);
}
static void call_r(jit_t *j, int r) { op_rr(j, 0, OPC(0xff), 2, r); }
static void ret(jit_t *j) { b1(j, 0xc3); }
static void push(jit_t *j, int r) {
    rex(j, 0, 0, 0, r, 0);
    b1(j, 0x50 + (unsigned)(r & 7));
}
static void pop(jit_t *j, int r) {
    rex(j, 0, 0, 0, r, 0);
    b1(j, 0x58 + (unsigned)(r & 7));
}
/* SSE2: movdqu xmm, [mem] / [mem], xmm; por; pmovmskb r32, xmm */
static void movdqu_load(jit_t *j, int x, mem_t m) {
    b1(j, 0xf3);
    op_rm(j, 0, OPC(0x0f, 0x6f), x, m, 0);
}
static void movdqu_store(jit_t *j, mem_t m, int x) {
    b1(j, 0xf3);
    op_rm(j, 0, OPC(0x0f, 0x7f), x, m, 0);
}
static void por(jit_t *j, int dst, int src) {
    b1(j, 0x66);
    op_rr(j, 0, OPC(0x0f, 0xeb), dst, src);
}
static void pmovmskb(jit_t *j, int dst, int x) {
    b1(j, 0x66);
    op_rr(j, 0, OPC(0x0f, 0xd7), dst, x);
}

/* ---- the constant pool ---------------------------------------------------------------- */

typedef struct pool {
    uint32_t c80, c3f, c40, neg5, cont, mask80;
} pool_t;

static uint32_t pool_u64(jit_t *j, uint64_t v) {
    int save = j->cur;
    j->cur = S_POOL;
    uint32_t l = new_label(j);
    place(j, l);
    b8(j, v);
    j->cur = save;
    return l;
}

static void pool_init(jit_t *j, pool_t *c) {
    c->c80 = pool_u64(j, 0x8080808080808080ULL);
    c->c3f = pool_u64(j, 0x3f3f3f3f3f3f3f3fULL);
    c->c40 = pool_u64(j, 0x4040404040404040ULL);
    /* a negative INTEGER's LEB128: the groups of its 32-bit pattern, all but the last
     * continued */
    c->neg5 = pool_u64(j, 0x0fffffffffULL);
    /* continuation bits of a LEB128 of len bytes (all bytes but the last), len 0..8 */
    c->cont = pool_u64(j, 0);
    pool_u64(j, 0);
    for (int len = 2; len <= 8; len++) pool_u64(j, 0x8080808080808080ULL >> (8 * (9 - len)));
    /* the high bits of the first n bytes, n 0..8 */
    c->mask80 = pool_u64(j, 0);
    for (int n = 1; n <= 8; n++)
        pool_u64(j, n == 8 ? 0x8080808080808080ULL : 0x8080808080808080ULL & ((1ULL << (8 * n)) - 1));
}

/* ---- code for the ops ------------------------------------------------------------------ */

/* Out-of-line: hand field `k` (op index; a union's index for the whole field) to
 * kfb_mapper_jit_slow_ with the cursor and row position in ctx, then go on at `resume`.
 * Three pushes keep the stack 16-byte aligned for the call (8 on entry). */
static void emit_slow_call(jit_t *j, uint32_t k, uint32_t resume, uint32_t bail) {
    push(j, R_END);
    push(j, R_BASE);
    push(j, R_CTX);
    store64(j, M(R_CTX, offsetof(kfb_jit_ctx_t, cp)), R_CP);
    store64(j, M(R_CTX, offsetof(kfb_jit_ctx_t, p)), R_P);
    mov_rr(j, RDI, R_CTX);
    mov32_ri(j, RSI, k);
    movabs(j, RAX, (uint64_t)(uintptr_t)&kfb_mapper_jit_slow_);
    call_r(j, RAX);
    pop(j, R_CTX);
    pop(j, R_BASE);
    pop(j, R_END);
    op_rr(j, 0, OPC(0x85), RAX, RAX); /* test eax, eax */
    jcc(j, CC_E, bail);
    load64(j, R_CP, M(R_CTX, offsetof(kfb_jit_ctx_t, cp)));
    load64(j, R_P, M(R_CTX, offsetof(kfb_jit_ctx_t, p)));
    jmp(j, resume);
}

/* Out-of-line: rax = bytes left (1..7) -> rax = those bytes from the last 8 of the body,
 * with 0x80 (a continuation bit) in the bytes past the end, so that no varint ends there;
 * then back to `loaded`. */
static void emit_tail_load(jit_t *j, const pool_t *c, uint32_t slow, uint32_t loaded) {
    op_rr(j, 1, OPC(0x85), RAX, RAX);
    jcc(j, CC_E, slow);
    mov32_ri(j, RCX, 8);
    op_rr(j, 0, OPC(0x29), RAX, RCX); /* sub ecx, eax */
    shl_ri(j, RCX, 3);                 /* 8 * (8 - left): 8..56 */
    load64(j, RAX, M(R_END, -8));
    shr_rcl(j, RAX);
    load64(j, R9, MRIP(c->c80));
    neg32_r(j, RCX); /* cl = 64 - shift */
    shl_rcl(j, R9);
    alu_rr(j, ALU_OR, RAX, R9);
    jmp(j, loaded);
}

/* ---- the bucket, computed in the code (so it overlaps the later fields' decoding) ---- */

/* 32-bit forms used by the hash */
static void imul32_ri(jit_t *j, int dst, int src, uint32_t imm) {
    op_rr(j, 0, OPC(0x69), dst, src);
    b4(j, imm);
}
static void rol32_ri(jit_t *j, int r, unsigned n) { op_rr(j, 0, OPC(0xc1), 0, r); b1(j, n); }
static void shr32_ri(jit_t *j, int r, unsigned n) { op_rr(j, 0, OPC(0xc1), 5, r); b1(j, n); }
static void xor32_rr(jit_t *j, int dst, int src) { op_rr(j, 0, OPC(0x31), src, dst); }
static void mov32_rr(jit_t *j, int dst, int src) { op_rr(j, 0, OPC(0x89), src, dst); }
static void cmp32_ri8(jit_t *j, int r, int8_t imm) {
    op_rr(j, 0, OPC(0x83), IMM_CMP, r);
    b1(j, (unsigned)(uint8_t)imm);
}

/* r = kfb_murmur_mix_k1_(r) */
static void emit_mix_k1(jit_t *j, int r) {
    imul32_ri(j, r, r, 0xcc9e2d51u);
    rol32_ri(j, r, 15);
    imul32_ri(j, r, r, 0x1b873593u);
}
/* r9d = kfb_murmur_mix_h1_(r9d, eax) */
static void emit_mix_h1(jit_t *j) {
    xor32_rr(j, R9, RAX);
    rol32_ri(j, R9, 13);
    op_rm(j, 0, OPC(0x8d), R9, MX(R9, R9, 4, (int32_t)0xe6546b64u), 0); /* r9d * 5 + c */
}
/* r9d = kfb_murmur_fmix32(r9d) */
static void emit_fmix(jit_t *j) {
    const uint32_t mul[2] = {0x85ebca6bu, 0xc2b2ae35u};
    const unsigned sh[3] = {16, 13, 16};
    for (int i = 0; i < 3; i++) {
        mov32_rr(j, RAX, R9);
        shr32_ri(j, RAX, sh[i]);
        xor32_rr(j, R9, RAX);
        if (i < 2) imul32_ri(j, R9, R9, mul[i]);
    }
}

/* ctx->bucket = the Fluss bucket of a key of ecx = 1..8 bytes held in r11 (its first byte
 * lowest): kfb_murmur_fluss_short, kfb_murmur_fluss_int, then h % n as fused_one does
 * (an and for a power of two). Clobbers rax, rcx, r9, r11. */
static void emit_hash_reg(jit_t *j, int32_t n_buckets, uint64_t fastmod) {
    uint32_t tail = new_label(j), fin = new_label(j), t1 = new_label(j), t2 = new_label(j);
    mov32_ri(j, R9, 42);
    /* the 4-byte blocks: one for 4..7 bytes, two for 8 */
    for (int w = 1; w <= 2; w++) {
        cmp32_ri8(j, RCX, (int8_t)(4 * w));
        jcc(j, CC_B, tail);
        mov32_rr(j, RAX, R11);
        emit_mix_k1(j, RAX);
        emit_mix_h1(j);
        if (w == 1) shr_ri(j, R11, 32);
    }
    jmp(j, fin);
    place(j, tail);
    /* the len & 3 tail bytes, each a signed byte (Java's getByte) */
    mov32_rr(j, RAX, RCX);
    op_rr(j, 0, OPC(0x83), IMM_AND, RAX);
    b1(j, 3);
    jcc(j, CC_E, fin);
    cmp32_ri8(j, RAX, 2);
    jcc(j, CC_B, t1);
    jcc(j, CC_E, t2);
    for (int i = 0; i < 3; i++) {
        if (i == 1) place(j, t2);
        if (i == 2) place(j, t1);
        op_rr8(j, OPC(0x0f, 0xbe), RAX, R11); /* movsx eax, r11b */
        emit_mix_k1(j, RAX);
        emit_mix_h1(j);
        if (i < 2) shr_ri(j, R11, 8);
    }
    place(j, fin);
    xor32_rr(j, R9, RCX);
    emit_fmix(j);
    /* kfb_murmur_fluss_int */
    emit_mix_k1(j, R9);
    rol32_ri(j, R9, 13);
    op_rm(j, 0, OPC(0x8d), R9, MX(R9, R9, 4, (int32_t)0xe6546b64u), 0);
    op_rr(j, 0, OPC(0x83), 6, R9); /* xor r9d, 4 */
    b1(j, 4);
    emit_fmix(j);
    /* non-negative: |c|, with INT_MIN -> 0 (the one value still negative after neg) */
    mov32_rr(j, RAX, R9);
    neg32_r(j, RAX);
    op_rr(j, 0, OPC(0x85), R9, R9);
    op_rr(j, 0, OPC(0x0f, 0x48), R9, RAX); /* cmovs r9d, eax */
    if ((n_buckets & (n_buckets - 1)) == 0) {
        /* the and also maps INT_MIN (left by neg) to 0 */
        op_rr(j, 0, OPC(0x81), IMM_AND, R9);
        b4(j, (uint32_t)n_buckets - 1);
        store32(j, M(R_CTX, (int32_t)offsetof(kfb_jit_ctx_t, bucket)), R9);
        return;
    }
    op_rr(j, 0, OPC(0x81), IMM_AND, R9);
    b4(j, 0x7fffffffu);
    /* h % n as the high half of (fastmod * h mod 2^64) * n, n < 2^31, from two
     * 32 x 32 products */
    movabs(j, RAX, fastmod);
    op_rr(j, 1, OPC(0x0f, 0xaf), RAX, R9); /* imul rax, r9 */
    mov32_rr(j, RCX, RAX);
    op_rr(j, 1, OPC(0x69), RCX, RCX);
    b4(j, (uint32_t)n_buckets);
    shr_ri(j, RCX, 32);
    shr_ri(j, RAX, 32);
    op_rr(j, 1, OPC(0x69), RAX, RAX);
    b4(j, (uint32_t)n_buckets);
    alu_rr(j, ALU_ADD, RAX, RCX);
    shr_ri(j, RAX, 32);
    store32(j, M(R_CTX, (int32_t)offsetof(kfb_jit_ctx_t, bucket)), RAX);
}

static void emit_no_bucket(jit_t *j) {
    mov32_ri(j, RAX, 0xffffffffu);
    store32(j, M(R_CTX, (int32_t)offsetof(kfb_jit_ctx_t, bucket)), RAX);
}

/* ctx->bucket for the single key column at row [mark[0], mark[1]) (a column other than a
 * long, or one a slow call wrote): emit_hash_reg on its bytes, -1 for keys not of 1..8
 * bytes (fused_one hashes those). The 8-byte load stays in the row and its slack. */
static void emit_bucket(jit_t *j, int32_t n_buckets, uint64_t fastmod) {
    const int32_t mk = (int32_t)offsetof(kfb_jit_ctx_t, mark);
    uint32_t nohash = new_label(j), done = new_label(j);
    load32(j, RAX, M(R_CTX, mk));
    load32(j, RCX, M(R_CTX, mk + 4));
    op_rr(j, 0, OPC(0x29), RAX, RCX); /* sub ecx, eax: the key length */
    load64(j, R11, MX(R_BASE, RAX, 1, 0));
    op_rm(j, 0, OPC(0x8d), RAX, M(RCX, -1), 0); /* eax = len - 1 */
    cmp32_ri8(j, RAX, 7);
    jcc(j, CC_A, nohash);
    emit_hash_reg(j, n_buckets, fastmod);
    place(j, done);
    int save = j->cur;
    j->cur = S_COLD;
    place(j, nohash);
    emit_no_bucket(j);
    jmp(j, done);
    j->cur = save;
}

/* ctx->mark[slot] = rdx - r10: the row offset a key column starts or ends at */
static void emit_mark_at(jit_t *j, size_t slot) {
    mov_rr(j, RAX, R_P);
    alu_rr(j, ALU_SUB, RAX, R_BASE);
    store32(j, M(R_CTX, (int32_t)(offsetof(kfb_jit_ctx_t, mark) + 4 * slot)), RAX);
}

/* An Avro int/long op: F_LONG_V64, F_KEY_LONG (its key bounds in ctx->mark), F_INT_V32 /
 * F_INT_V64 (int: at most 5 bytes and 32 bits). The varint's bytes y give r, the 7-bit
 * groups of w = u >> 1 (u the zigzag value) one per byte, without unpacking them: byte k of
 * r is bits 1..6 of Avro byte k and bit 0 of byte k + 1. A non-negative value is w: its
 * LEB128 is r with continuation bits. A negative one is ~w, and as the groups of ~w are
 * the complement of r's: its LEB128 is ~r in every byte (5 bytes of the 32-bit pattern for
 * INTEGER; 10 for BIGINT, the last two 0xff 0x01). */
static void emit_varint(jit_t *j, const pool_t *c, const fop_t *op, uint32_t slow,
                        int32_t hash_buckets, uint64_t fastmod) {
    const int is_int = op->kind == F_INT_V32 || op->kind == F_INT_V64;
    const int key = op->kind == F_KEY_LONG;
    uint32_t tail = new_label(j), loaded = new_label(j), neg = new_label(j), done = new_label(j);
    if (key) emit_mark_at(j, 2 * (size_t)op->key_pos);
    /* 8 readable bytes, or the tail load */
    lea(j, RAX, M(R_CP, 8));
    alu_rr(j, ALU_CMP, RAX, R_END);
    jcc(j, CC_A, tail);
    load64(j, RAX, M(R_CP, 0));
    place(j, loaded);
    /* r9 = stop bits (clear continuation bits); none in 8 bytes: a wide varint */
    mov_rr(j, R9, RAX);
    not_r(j, R9);
    alu_rm(j, ALU_AND, R9, MRIP(c->c80));
    jcc(j, CC_E, slow);
    tzcnt(j, RCX, R9);
    shr_ri(j, RCX, 3); /* rcx = the varint's length - 1 */
    if (is_int) {
        uint32_t ok = new_label(j);
        alu_ri(j, IMM_CMP, RCX, 4);
        jcc(j, CC_A, slow);
        jcc(j, CC_B, ok);
        /* five bytes: no bits past 32 */
        load8zx(j, R11, M(R_CP, 4));
        alu_ri(j, IMM_CMP, R11, 0x0f);
        jcc(j, CC_A, slow);
        place(j, ok);
    }
    /* the varint's bytes: r11 = stop ^ (stop - 1) masks them */
    lea(j, R11, M(R9, -1));
    alu_rr(j, ALU_XOR, R11, R9);
    alu_rr(j, ALU_AND, RAX, R11);
    lea(j, R_CP, MX(R_CP, RCX, 1, 1));
    /* rax = r; the sign (bit 0 of u) stays in r11 */
    mov_rr(j, R11, RAX);
    mov_rr(j, R9, RAX);
    shr_ri(j, R9, 1);
    alu_rm(j, ALU_AND, R9, MRIP(c->c3f));
    shr_ri(j, RAX, 2);
    alu_rm(j, ALU_AND, RAX, MRIP(c->c40));
    alu_rr(j, ALU_OR, RAX, R9);
    op_rr8(j, OPC(0xf6), 0, R11); /* test r11b, 1 */
    b1(j, 1);
    jcc(j, CC_NE, neg);
    mov_rr(j, R9, RAX);
    alu_ri(j, IMM_OR, R9, 1);
    bsr(j, R9, R9);
    shr_ri(j, R9, 3); /* r9 = LEB128 length - 1 */
    lea(j, R11, MRIP(c->cont));
    alu_rm(j, ALU_OR, RAX, MX(R11, R9, 8, 8));
    store64(j, M(R_P, 0), RAX);
    lea(j, R_P, MX(R_P, R9, 1, 1));
    if (hash_buckets > 0) {
        /* the key is these 1..8 bytes: hashed from the register */
        mov_rr(j, R11, RAX);
        op_rm(j, 0, OPC(0x8d), RCX, M(R9, 1), 0); /* ecx = length */
        emit_hash_reg(j, hash_buckets, fastmod);
    }
    place(j, done);
    if (key) emit_mark_at(j, 2 * (size_t)op->key_pos + 1);

    /* cold: negative values, and reads near the body's end */
    int save = j->cur;
    j->cur = S_COLD;
    place(j, neg);
    if (op->kind == F_INT_V32) {
        alu_rm(j, ALU_XOR, RAX, MRIP(c->neg5));
        store64(j, M(R_P, 0), RAX);
        alu_ri(j, IMM_ADD, R_P, 5);
    } else {
        not_r(j, RAX);
        store64(j, M(R_P, 0), RAX);
        mov32_ri(j, RAX, 0x01ff);
        store32(j, M(R_P, 8), RAX); /* two bytes, and two of the row's slack */
        alu_ri(j, IMM_ADD, R_P, 10);
    }
    if (hash_buckets > 0) emit_no_bucket(j); /* 10 bytes: the caller hashes it */
    jmp(j, done);
    place(j, tail);
    mov_rr(j, RAX, R_END);
    alu_rr(j, ALU_SUB, RAX, R_CP);
    emit_tail_load(j, c, slow, loaded);
    j->cur = save;
}

/* The string copy subroutine, for what emit_bytes does not move inline: rax = n (0..63),
 * r11 = source, rcx = bytes readable there (>= n, and below 8 when n <= 8), rdx + 1 =
 * destination (8 bytes of slack past n). Returns r9 != 0 when a byte may be non-ASCII.
 * Keeps rax, r11, rdx, rdi, rsi, r8, r10. */
static void emit_copy_sub(jit_t *j, const pool_t *c, uint32_t entry) {
    uint32_t gt8 = new_label(j), gt16 = new_label(j), gt32 = new_label(j), zero = new_label(j);
    place(j, entry);
    alu_ri(j, IMM_CMP, RAX, 8);
    jcc(j, CC_A, gt8);
    op_rr(j, 1, OPC(0x85), RAX, RAX);
    jcc(j, CC_E, zero);
    /* up to 8 bytes with fewer than 8 readable: the body's last 8, shifted */
    neg32_r(j, RCX);
    alu_ri(j, IMM_ADD, RCX, 8);
    shl_ri(j, RCX, 3);
    load64(j, R9, M(R_END, -8));
    shr_rcl(j, R9);
    store64(j, M(R_P, 1), R9);
    lea(j, RCX, MRIP(c->mask80));
    alu_rm(j, ALU_AND, R9, MX(RCX, RAX, 8, 0));
    ret(j);
    place(j, zero);
    op_rr(j, 0, OPC(0x31), R9, R9); /* xor r9d, r9d */
    ret(j);
    place(j, gt8);
    alu_ri(j, IMM_CMP, RAX, 16);
    jcc(j, CC_A, gt16);
    load64(j, R9, M(R11, 0));
    load64(j, RCX, MX(R11, RAX, 1, -8));
    store64(j, M(R_P, 1), R9);
    store64(j, MX(R_P, RAX, 1, 1 - 8), RCX);
    alu_rr(j, ALU_OR, R9, RCX);
    alu_rm(j, ALU_AND, R9, MRIP(c->c80));
    ret(j);
    place(j, gt16);
    movdqu_load(j, 0, M(R11, 0));
    movdqu_load(j, 1, MX(R11, RAX, 1, -16));
    alu_ri(j, IMM_CMP, RAX, 32);
    jcc(j, CC_A, gt32);
    movdqu_store(j, M(R_P, 1), 0);
    movdqu_store(j, MX(R_P, RAX, 1, 1 - 16), 1);
    por(j, 0, 1);
    pmovmskb(j, R9, 0);
    ret(j);
    place(j, gt32);
    movdqu_load(j, 2, M(R11, 16));
    movdqu_load(j, 3, MX(R11, RAX, 1, -32));
    movdqu_store(j, M(R_P, 1), 0);
    movdqu_store(j, M(R_P, 17), 2);
    movdqu_store(j, MX(R_P, RAX, 1, 1 - 32), 3);
    movdqu_store(j, MX(R_P, RAX, 1, 1 - 16), 1);
    por(j, 0, 1);
    por(j, 0, 2);
    por(j, 0, 3);
    pmovmskb(j, R9, 0);
    ret(j);
}

/* F_STR / F_BYTES: one-byte Avro lengths (0..63, one-byte Fluss lengths); strings that
 * may hold non-ASCII bytes go to the slow call (UTF-8 check). */
static void emit_bytes(jit_t *j, const pool_t *c, const fop_t *op, uint32_t slow,
                       uint32_t copy_sub) {
    uint32_t longer = new_label(j), join = new_label(j);
    alu_rr(j, ALU_CMP, R_CP, R_END);
    jcc(j, CC_AE, slow);
    load8zx(j, RAX, M(R_CP, 0));
    test32_ri(j, RAX, 0x81);
    jcc(j, CC_NE, slow);
    shr_ri(j, RAX, 1);
    /* rcx = bytes after the length byte */
    mov_rr(j, RCX, R_END);
    alu_rr(j, ALU_SUB, RCX, R_CP);
    alu_ri(j, IMM_SUB, RCX, 1);
    alu_rr(j, ALU_CMP, RAX, RCX);
    jcc(j, CC_A, slow);
    store8(j, M(R_P, 0), RAX);
    lea(j, R11, M(R_CP, 1));
    /* up to 8 bytes with 8 readable: one move inline, the rest in the subroutine */
    alu_ri(j, IMM_CMP, RAX, 8);
    jcc(j, CC_A, longer);
    alu_ri(j, IMM_CMP, RCX, 8);
    jcc(j, CC_B, longer);
    load64(j, R9, M(R11, 0));
    store64(j, M(R_P, 1), R9);
    if (op->kind == F_STR) {
        lea(j, RCX, MRIP(c->mask80));
        alu_rm(j, ALU_AND, R9, MX(RCX, RAX, 8, 0));
        jcc(j, CC_NE, slow);
    }
    place(j, join);
    lea(j, R_CP, MX(R11, RAX, 1, 0));
    lea(j, R_P, MX(R_P, RAX, 1, 1));
    int save = j->cur;
    j->cur = S_COLD;
    place(j, longer);
    b1(j, 0xe8); /* call rel32 */
    rel32(j, copy_sub, 0);
    if (op->kind == F_STR) {
        op_rr(j, 1, OPC(0x85), R9, R9);
        jcc(j, CC_NE, slow);
    }
    jmp(j, join);
    j->cur = save;
}

static void emit_fixed(jit_t *j, int size, uint32_t slow) {
    lea(j, RAX, M(R_CP, size));
    alu_rr(j, ALU_CMP, RAX, R_END);
    jcc(j, CC_A, slow);
    if (size == 8) {
        load64(j, RAX, M(R_CP, 0));
        store64(j, M(R_P, 0), RAX);
    } else {
        load32(j, RAX, M(R_CP, 0));
        store32(j, M(R_P, 0), RAX);
    }
    alu_ri(j, IMM_ADD, R_CP, size);
    alu_ri(j, IMM_ADD, R_P, size);
}

static void emit_bool(jit_t *j, uint32_t slow) {
    alu_rr(j, ALU_CMP, R_CP, R_END);
    jcc(j, CC_AE, slow);
    load8zx(j, RAX, M(R_CP, 0));
    alu_ri(j, IMM_CMP, RAX, 1);
    jcc(j, CC_A, slow);
    store8(j, M(R_P, 0), RAX);
    alu_ri(j, IMM_ADD, R_CP, 1);
    alu_ri(j, IMM_ADD, R_P, 1);
}

/* Does the op's common case have inline code? (The others always take the slow call.) */
static int has_inline(const fop_t *op) {
    switch (op->kind) {
    case F_BOOL:
    case F_INT_V32:
    case F_INT_V64:
    case F_LONG_V64:
    case F_KEY_LONG:
    case F_STR:
    case F_BYTES:
        return 1;
    case F_F32:
    case F_F64:
        return op->key_pos < 0; /* a key float is NaN-checked by the slow call */
    default:
        return 0;
    }
}

/* One value op (not a union or mark). slow: its slow-call entry. */
static void emit_value(jit_t *j, const pool_t *c, const fop_t *op, uint32_t slow,
                       uint32_t copy_sub, int32_t hash_buckets, uint64_t fastmod) {
    switch (op->kind) {
    case F_BOOL: emit_bool(j, slow); break;
    case F_INT_V32:
    case F_INT_V64:
    case F_LONG_V64:
    case F_KEY_LONG: emit_varint(j, c, op, slow, hash_buckets, fastmod); break;
    case F_STR:
    case F_BYTES: emit_bytes(j, c, op, slow, copy_sub); break;
    case F_F32: emit_fixed(j, 4, slow); break;
    case F_F64: emit_fixed(j, 8, slow); break;
    default: break;
    }
}

static void *jit_link(jit_t *j, size_t *size_out) {
    size_t off[N_SECT], total = 0;
    for (int s = 0; s < N_SECT; s++) {
        if (s == S_POOL) total = (total + 7) & ~(size_t)7;
        off[s] = total;
        total += j->s[s].n;
    }
    uint8_t *img = calloc(1, total ? total : 1);
    if (!img) return NULL;
    for (int s = 0; s < N_SECT; s++)
        if (j->s[s].n) memcpy(img + off[s], j->s[s].b, j->s[s].n);
    for (size_t i = 0; i < j->n_fix; i++) {
        const fixup_t *f = &j->fix[i];
        const label_t *l = &j->lab[f->label];
        if (l->sect < 0) {
            free(img);
            return NULL;
        }
        int64_t from = (int64_t)(off[f->sect] + f->off + 4 + f->tail);
        int64_t to = (int64_t)(off[l->sect] + l->off);
        int32_t d = (int32_t)(to - from);
        memcpy(img + off[f->sect] + f->off, &d, 4);
    }
    /* KFB_MAPPER_JIT_DUMP=FILE writes the code (objdump -D -b binary -m i386:x86-64 FILE) */
    const char *dump = getenv("KFB_MAPPER_JIT_DUMP");
    if (dump && *dump) {
        FILE *f = fopen(dump, "wb");
        if (f) {
            fwrite(img, 1, total, f);
            fclose(f);
        }
    }
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t mapped = (total + page - 1) / page * page;
    void *code = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        free(img);
        return NULL;
    }
    memcpy(code, img, total);
    free(img);
    /* W^X: never writable and executable at once; systems that refuse executable
     * mappings keep the interpreter */
    if (mprotect(code, mapped, PROT_READ | PROT_EXEC)) {
        munmap(code, mapped);
        return NULL;
    }
    *size_out = mapped;
    return code;
}

static void emit_mark(jit_t *j, const fop_t *op) { emit_mark_at(j, (size_t)op->column); }

int kfb_mapper_jit_compile(plan_t *p, int32_t hash_buckets) {
    if (!p->fops || p->jit) return 0;
    jit_t j;
    memset(&j, 0, sizeof(j));
    pool_t c;
    pool_init(&j, &c);
    j.cur = S_HOT;
    const uint32_t bail = new_label(&j), copy_sub = new_label(&j);
    int uses_copy = 0;
    /* entry: the row base comes in rcx, which the ops use for shifts */
    mov_rr(&j, R_BASE, RCX);
    for (size_t k = 0; k < p->n_fops && !j.oom; k++) {
        const fop_t *op = &p->fops[k];
        if (op->kind == F_MARK) {
            emit_mark(&j, op);
            continue;
        }
        const uint32_t after = new_label(&j), slow = new_label(&j);
        const fop_t *v = op; /* the field's value op */
        if (op->kind == F_UNION) {
            /* a union index, its value op (wrapped in marks for a key column), as one
             * field: a null sets the column's bit and skips the value; the slow call
             * takes the whole field from its union index */
            size_t vk = k + 1;
            while (p->fops[vk].kind == F_MARK) vk++;
            v = &p->fops[vk];
            const uint32_t isnull = new_label(&j), vslow = new_label(&j);
            /* a long key hashes its bytes from the register (emit_varint); others after
             * the field (emit_bucket) */
            const int32_t kh =
                v->kind == F_KEY_LONG && v->key_pos == 0 && p->n_key == 1 ? hash_buckets : 0;
            alu_rr(&j, ALU_CMP, R_CP, R_END);
            jcc(&j, CC_AE, slow);
            load8zx(&j, RAX, M(R_CP, 0));
            test32_ri(&j, RAX, 0x81);
            jcc(&j, CC_NE, slow);
            shr_ri(&j, RAX, 1);
            alu_ri(&j, IMM_CMP, RAX, op->value_branch);
            jcc(&j, CC_NE, isnull);
            alu_ri(&j, IMM_ADD, R_CP, 1);
            for (size_t i = k + 1; i < vk; i++) emit_mark(&j, &p->fops[i]);
            if (has_inline(v)) {
                if (v->kind == F_STR || v->kind == F_BYTES) uses_copy = 1;
                emit_value(&j, &c, v, vslow, copy_sub, kh, p->bucket_fastmod);
            } else {
                jmp(&j, vslow);
            }
            k = vk;
            /* the closing mark of a key column in marks (the slow call sets both) */
            if (v->key_pos >= 0 && v->kind != F_KEY_LONG)
                emit_mark(&j, &p->fops[++k]);
            place(&j, after);
            int save = j.cur;
            j.cur = S_COLD;
            place(&j, isnull);
            alu_ri(&j, IMM_CMP, RAX, op->null_branch);
            jcc(&j, CC_NE, slow);
            if (op->null_ok) {
                or8_mi(&j, M(R_BASE, (int32_t)op->null_byte), op->null_bit);
                alu_ri(&j, IMM_ADD, R_CP, 1);
                jmp(&j, after);
            } else {
                jmp(&j, slow);
            }
            /* the value op gave up: back to the union index */
            place(&j, vslow);
            alu_ri(&j, IMM_SUB, R_CP, 1);
            place(&j, slow);
            emit_slow_call(&j, (uint32_t)(op - p->fops), after, bail);
            j.cur = save;
        } else {
            if (has_inline(op)) {
                if (op->kind == F_STR || op->kind == F_BYTES) uses_copy = 1;
                emit_value(&j, &c, op, slow, copy_sub,
                           op->kind == F_KEY_LONG && op->key_pos == 0 && p->n_key == 1
                               ? hash_buckets
                               : 0,
                           p->bucket_fastmod);
            } else {
                jmp(&j, slow);
            }
            place(&j, after);
            int save = j.cur;
            j.cur = S_COLD;
            place(&j, slow);
            emit_slow_call(&j, (uint32_t)k, after, bail);
            j.cur = save;
            /* the closing mark of a key column in marks (F_KEY_LONG takes its own) */
            if (v->key_pos >= 0 && v->kind != F_KEY_LONG) emit_mark(&j, &p->fops[++k]);
        }
        /* the single key column is complete: its bucket now */
        if (hash_buckets > 0 && v->key_pos == 0 && p->n_key == 1 &&
            !(v->kind == F_KEY_LONG && has_inline(v)))
            emit_bucket(&j, hash_buckets, p->bucket_fastmod);
    }
    /* end: the body is used up exactly */
    alu_rr(&j, ALU_CMP, R_CP, R_END);
    jcc(&j, CC_NE, bail);
    mov_rr(&j, RAX, R_P);
    ret(&j);
    j.cur = S_COLD;
    place(&j, bail);
    op_rr(&j, 0, OPC(0x31), RAX, RAX); /* xor eax, eax */
    ret(&j);
    if (uses_copy) emit_copy_sub(&j, &c, copy_sub);
    else place(&j, copy_sub);
    void *code = NULL;
    size_t size = 0;
    if (!j.oom) code = jit_link(&j, &size);
    for (int s = 0; s < N_SECT; s++) free(j.s[s].b);
    free(j.lab);
    free(j.fix);
    if (!code) return j.oom ? -1 : 0; /* no executable memory: the interpreter runs it */
    p->jit = (kfb_jit_fn_t)code;
    p->jit_size = size;
    p->jit_bucket = hash_buckets > 0 && p->n_key == 1;
    return 0;
}

void kfb_mapper_jit_free(plan_t *p) {
    if (p->jit) munmap((void *)p->jit, p->jit_size);
    p->jit = NULL;
    p->jit_size = 0;
}

#else /* !KFB_MAPPER_JIT */

int kfb_mapper_jit_compile(plan_t *p, int32_t hash_buckets) {
    (void)p;
    (void)hash_buckets;
    return 0;
}
void kfb_mapper_jit_free(plan_t *p) { (void)p; }

#endif
