/* enc_check.c - the JIT's instruction emitters (src/mapper_jit.c) against GNU as.
 *
 * Each case emits one instruction (or a few) with the emitter helpers into a fresh jit_t,
 * links it (hot code, then the 8-aligned pool holding one quad) and prints the bytes, and
 * prints the same instruction in Intel syntax; tests/jit_enc/run.sh assembles the text
 * with `as --64`, disassembles both with objdump and compares the listings.
 *
 * Build: see run.sh (includes src/mapper_jit.c; no libkfb needed).
 */
#include "../../src/mapper_jit.c"

#include <stdio.h>

int kfb_mapper_jit_slow_(kfb_jit_ctx_t *x, uint32_t k) {
    (void)x;
    (void)k;
    return 0;
}

static FILE *f_ours, *f_ref;
static int n_case;

/* start a case: pool label P at the pool's start holding 0x1122334455667788 */
static jit_t J;
static uint32_t P, L;
static void begin(void) {
    memset(&J, 0, sizeof(J));
    J.cur = S_POOL;
    P = new_label(&J);
    place(&J, P);
    b8(&J, 0x1122334455667788ULL);
    J.cur = S_HOT;
    L = new_label(&J); /* a label placed after the instruction */
}
static void end(const char *text) {
    place(&J, L);
    size_t size = 0;
    uint8_t *code = jit_link(&J, &size);
    if (!code) {
        fprintf(stderr, "link failed\n");
        exit(1);
    }
    size_t n = J.s[S_HOT].n;
    fprintf(f_ours, "# case %d: %s\n.globl c%d\nc%d:\n", n_case, text, n_case, n_case);
    for (size_t i = 0; i < n; i++) fprintf(f_ours, ".byte 0x%02x\n", code[i]);
    fprintf(f_ours, ".balign 8, 0xcc\n.quad 0x1122334455667788\n.balign 16, 0xcc\n");
    fprintf(f_ref, "# case %d\n.globl c%d\nc%d:\n%s\n.LL%d:\n.balign 8, 0xcc\n.LP%d: .quad 0x1122334455667788\n.balign 16, 0xcc\n",
            n_case, n_case, n_case, text, n_case, n_case);
    munmap(code, size);
    for (int s = 0; s < N_SECT; s++) free(J.s[s].b);
    free(J.lab);
    free(J.fix);
    n_case++;
}

#define CASE(stmt, text)                                                                 \
    do {                                                                                 \
        begin();                                                                         \
        stmt;                                                                            \
        char t_[256];                                                                    \
        snprintf(t_, sizeof t_, text, n_case, n_case);                                   \
        end(t_);                                                                         \
    } while (0)

static const char *const R64[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                  "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const R32[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                                  "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
static const char *const R8B[] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                                  "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};

static void memtxt(char *o, size_t n, int base, int index, int scale, int disp) {
    if (index == NOREG) snprintf(o, n, "[%s%+d]", R64[base], disp);
    else snprintf(o, n, "[%s+%s*%d%+d]", R64[base], R64[index], scale, disp);
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    f_ours = fopen(argv[1], "w");
    f_ref = fopen(argv[2], "w");
    fprintf(f_ours, ".text\n");
    fprintf(f_ref, ".intel_syntax noprefix\n.text\n");
    char t[256], m[96];
    /* every register pair for the register forms, including ones the JIT does not use */
    for (int a = 0; a < 16; a++)
        for (int b = 0; b < 16; b++) {
            begin(); mov_rr(&J, a, b); snprintf(t, sizeof t, "mov %s, %s", R64[a], R64[b]); end(t);
            begin(); alu_rr(&J, ALU_SUB, a, b); snprintf(t, sizeof t, "sub %s, %s", R64[a], R64[b]); end(t);
            begin(); alu_rr(&J, ALU_XOR, a, b); snprintf(t, sizeof t, "xor %s, %s", R64[a], R64[b]); end(t);
            begin(); xor32_rr(&J, a, b); snprintf(t, sizeof t, "xor %s, %s", R32[a], R32[b]); end(t);
            begin(); mov32_rr(&J, a, b); snprintf(t, sizeof t, "mov %s, %s", R32[a], R32[b]); end(t);
            begin(); tzcnt(&J, a, b); snprintf(t, sizeof t, "tzcnt %s, %s", R64[a], R64[b]); end(t);
            begin(); bsr(&J, a, b); snprintf(t, sizeof t, "bsr %s, %s", R64[a], R64[b]); end(t);
            begin(); imul32_ri(&J, a, b, 0xcc9e2d51u); snprintf(t, sizeof t, "imul %s, %s, 0xcc9e2d51", R32[a], R32[b]); end(t);
            begin(); op_rr8(&J, OPC(0x0f, 0xbe), a, b); snprintf(t, sizeof t, "movsx %s, %s", R32[a], R8B[b]); end(t);
            begin(); op_rr(&J, 0, OPC(0x0f, 0x48), a, b); snprintf(t, sizeof t, "cmovs %s, %s", R32[a], R32[b]); end(t);
            begin(); op_rr(&J, 1, OPC(0x0f, 0xaf), a, b); snprintf(t, sizeof t, "imul %s, %s", R64[a], R64[b]); end(t);
        }
    for (int a = 0; a < 16; a++) {
        const int imms[] = {0, 1, 4, 7, 8, 0x0f, 127, 128, -1, -128, -129, 200, 0x7fffffff};
        for (size_t i = 0; i < sizeof imms / sizeof imms[0]; i++) {
            begin(); alu_ri(&J, IMM_CMP, a, imms[i]); snprintf(t, sizeof t, "cmp %s, %d", R64[a], imms[i]); end(t);
            begin(); alu_ri(&J, IMM_ADD, a, imms[i]); snprintf(t, sizeof t, "add %s, %d", R64[a], imms[i]); end(t);
            begin(); alu_ri(&J, IMM_SUB, a, imms[i]); snprintf(t, sizeof t, "sub %s, %d", R64[a], imms[i]); end(t);
            begin(); alu_ri(&J, IMM_OR, a, imms[i]); snprintf(t, sizeof t, "or %s, %d", R64[a], imms[i]); end(t);
        }
        begin(); mov32_ri(&J, a, 0xffffffffu); snprintf(t, sizeof t, "mov %s, 0xffffffff", R32[a]); end(t);
        begin(); movabs(&J, a, 0x123456789abcdef0ULL); snprintf(t, sizeof t, "movabs %s, 0x123456789abcdef0", R64[a]); end(t);
        begin(); shl_ri(&J, a, 3); snprintf(t, sizeof t, "shl %s, 3", R64[a]); end(t);
        begin(); shr_ri(&J, a, 32); snprintf(t, sizeof t, "shr %s, 32", R64[a]); end(t);
        begin(); shl_rcl(&J, a); snprintf(t, sizeof t, "shl %s, cl", R64[a]); end(t);
        begin(); shr_rcl(&J, a); snprintf(t, sizeof t, "shr %s, cl", R64[a]); end(t);
        begin(); not_r(&J, a); snprintf(t, sizeof t, "not %s", R64[a]); end(t);
        begin(); neg32_r(&J, a); snprintf(t, sizeof t, "neg %s", R32[a]); end(t);
        begin(); test32_ri(&J, a, 0x81); snprintf(t, sizeof t, "test %s, 0x81", R32[a]); end(t);
        begin(); call_r(&J, a); snprintf(t, sizeof t, "call %s", R64[a]); end(t);
        begin(); push(&J, a); snprintf(t, sizeof t, "push %s", R64[a]); end(t);
        begin(); pop(&J, a); snprintf(t, sizeof t, "pop %s", R64[a]); end(t);
        begin(); rol32_ri(&J, a, 13); snprintf(t, sizeof t, "rol %s, 13", R32[a]); end(t);
        begin(); shr32_ri(&J, a, 16); snprintf(t, sizeof t, "shr %s, 16", R32[a]); end(t);
        begin(); cmp32_ri8(&J, a, 7); snprintf(t, sizeof t, "cmp %s, 7", R32[a]); end(t);
        begin(); op_rr8(&J, OPC(0xf6), 0, a); b1(&J, 1); snprintf(t, sizeof t, "test %s, 1", R8B[a]); end(t);
        begin(); op_rr(&J, 0, OPC(0x81), IMM_AND, a); b4(&J, 0x7fffffff); snprintf(t, sizeof t, "and %s, 0x7fffffff", R32[a]); end(t);
        begin(); op_rr(&J, 0, OPC(0x83), 6, a); b1(&J, 4); snprintf(t, sizeof t, "xor %s, 4", R32[a]); end(t);
        begin(); op_rr(&J, 1, OPC(0x69), a, a); b4(&J, 1000003); snprintf(t, sizeof t, "imul %s, %s, 1000003", R64[a], R64[a]); end(t);
        begin(); op_rr(&J, 1, OPC(0x85), a, a); snprintf(t, sizeof t, "test %s, %s", R64[a], R64[a]); end(t);
        /* rip-relative: loads, ALU from memory, lea */
        begin(); load64(&J, a, MRIP(P)); snprintf(t, sizeof t, "mov %s, [rip+.LP%d]", R64[a], n_case); end(t);
        begin(); alu_rm(&J, ALU_AND, a, MRIP(P)); snprintf(t, sizeof t, "and %s, [rip+.LP%d]", R64[a], n_case); end(t);
        begin(); alu_rm(&J, ALU_XOR, a, MRIP(P)); snprintf(t, sizeof t, "xor %s, [rip+.LP%d]", R64[a], n_case); end(t);
        begin(); lea(&J, a, MRIP(P)); snprintf(t, sizeof t, "lea %s, [rip+.LP%d]", R64[a], n_case); end(t);
        if (a < 4) {
            begin(); movdqu_load(&J, a, MRIP(P)); snprintf(t, sizeof t, "movdqu xmm%d, [rip+.LP%d]", a, n_case); end(t);
            begin(); por(&J, a, 3 - a); snprintf(t, sizeof t, "por xmm%d, xmm%d", a, 3 - a); end(t);
        }
        begin(); pmovmskb(&J, a, 1); snprintf(t, sizeof t, "pmovmskb %s, xmm1", R32[a]); end(t);
    }
    /* memory operands: every base, some indexes, disp 0 / 8-bit / 32-bit */
    const int disps[] = {0, 1, -1, 8, -8, 127, 128, -128, -129, 0x1000, (int)0xe6546b64u};
    for (int base = 0; base < 16; base++)
        for (size_t d = 0; d < sizeof disps / sizeof disps[0]; d++)
            for (int idx = -1; idx < 16; idx++) {
                if (idx == RSP) continue; /* no rsp index */
                if (idx > 0 && idx != RAX && idx != RCX && idx != R9 && idx != 12 && idx != 13 &&
                    idx != RBP && idx != R11)
                    continue;
                const int sc = idx < 0 ? 1 : (idx % 4 == 0 ? 1 : idx % 4 == 1 ? 8 : idx % 4 == 2 ? 4 : 2);
                mem_t mm = idx < 0 ? M(base, disps[d]) : MX(base, idx, sc, disps[d]);
                memtxt(m, sizeof m, base, idx < 0 ? NOREG : idx, sc, disps[d]);
                for (int r = 0; r < 16; r += 3) {
                    begin(); load64(&J, r, mm); snprintf(t, sizeof t, "mov %s, qword ptr %s", R64[r], m); end(t);
                    begin(); load32(&J, r, mm); snprintf(t, sizeof t, "mov %s, dword ptr %s", R32[r], m); end(t);
                    begin(); load8zx(&J, r, mm); snprintf(t, sizeof t, "movzx %s, byte ptr %s", R32[r], m); end(t);
                    begin(); store64(&J, mm, r); snprintf(t, sizeof t, "mov qword ptr %s, %s", m, R64[r]); end(t);
                    begin(); store32(&J, mm, r); snprintf(t, sizeof t, "mov dword ptr %s, %s", m, R32[r]); end(t);
                    begin(); store8(&J, mm, r); snprintf(t, sizeof t, "mov byte ptr %s, %s", m, R8B[r]); end(t);
                    begin(); lea(&J, r, mm); snprintf(t, sizeof t, "lea %s, %s", R64[r], m); end(t);
                    begin(); op_rm(&J, 0, OPC(0x8d), r, mm, 0); snprintf(t, sizeof t, "lea %s, %s", R32[r], m); end(t);
                    begin(); alu_rm(&J, ALU_OR, r, mm); snprintf(t, sizeof t, "or %s, qword ptr %s", R64[r], m); end(t);
                }
                begin(); or8_mi(&J, mm, 0x80); snprintf(t, sizeof t, "or byte ptr %s, 0x80", m); end(t);
                for (int x = 0; x < 4; x++) {
                    begin(); movdqu_load(&J, x, mm); snprintf(t, sizeof t, "movdqu xmm%d, xmmword ptr %s", x, m); end(t);
                    begin(); movdqu_store(&J, mm, x); snprintf(t, sizeof t, "movdqu xmmword ptr %s, xmm%d", m, x); end(t);
                }
            }
    /* or8_mi against rip (its tail byte) */
    begin(); or8_mi(&J, MRIP(P), 0x10); snprintf(t, sizeof t, "or byte ptr [rip+.LP%d], 0x10", n_case); end(t);
    /* branches to a label right after them */
    for (unsigned cc = 0; cc < 16; cc++) {
        static const char *const ccn[16] = {"jo", "jno", "jb", "jae", "je", "jne", "jbe", "ja",
                                            "js", "jns", "jp", "jnp", "jl", "jge", "jle", "jg"};
        begin(); jcc(&J, cc, L); snprintf(t, sizeof t, "{disp32} %s .LL%d", ccn[cc], n_case); end(t);
    }
    begin(); jmp(&J, L); snprintf(t, sizeof t, "{disp32} jmp .LL%d", n_case); end(t);
    begin(); b1(&J, 0xe8); rel32(&J, L, 0); snprintf(t, sizeof t, "call .LL%d", n_case); end(t);
    begin(); ret(&J); snprintf(t, sizeof t, "ret"); end(t);
    fclose(f_ours);
    fclose(f_ref);
    fprintf(stderr, "%d cases\n", n_case);
    return 0;
}
