// The environment `nianbao` starts Node with: bin/nianbao.js's sh head sets it (NAME=value … exec
// node; test/launcher.test.ts keeps the two equal), and the bench runs its phases under it, so
// that they measure what the command does.
//
// glibc.malloc.hugetlb=1: glibc's malloc asks the kernel for transparent huge pages (madvise) for
// the memory it maps. Where the kernel leaves THP to madvise (Debian's default; this machine),
// a 2 MB page then costs one fault instead of 512, and the work that fills fresh memory gets
// cheaper: SQLite's page cache and FTS5's pending terms, Buffers, V8's copy of MuPDF's .wasm.
// Measured 2026-12-06, alternated runs: `nianbao extract --json` of one 7-page PDF, median
// 463 → 428 ms (11 runs each) and 596 → 538 ms (15); of 36 PDFs 1481 → 1441 ms (5); the CI load
// of 660 reports with full text 355–377 → 287–315 ms, its index pass 315–466 → 196–275 ms (4).
// Without glibc, or where the kernel has THP off or always on, the variable changes nothing.
// V8's own heap and WebAssembly memory are mapped by V8, not malloc, and keep 4 KB pages.
export const LAUNCH_ENV = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };
