// mimalloc: a scan makes millions of small, short-lived allocations (syntax trees, node
// lists, strings) from two threads at once, where it is markedly faster than glibc's
// malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // The tree-sitter C core allocates through its own hooks: point them at mimalloc too.
    // SAFETY: called once, before any parser or tree exists.
    unsafe {
        tree_sitter::set_allocator(Some(tree_sitter::Allocator {
            malloc: libmimalloc_sys::mi_malloc,
            calloc: libmimalloc_sys::mi_calloc,
            realloc: libmimalloc_sys::mi_realloc,
            free: libmimalloc_sys::mi_free,
        }));
    }
    dozen::cli::main()
}
