//! The `rampart` command: parse the command line, run it, report failure.

use std::process::ExitCode;

/// mimalloc instead of the C library's allocator: an import allocates and frees millions of
/// small values across two threads, where glibc's arenas spent a third of the reading
/// thread's time. Built without transparent huge pages, which would count whole 2 MiB pages
/// as resident.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    rampart::cli::main()
}
