/// glibc's `malloc_trim`, which Swift's Glibc module does not export (it lives in `malloc.h`).
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32

/// Process memory housekeeping.
public enum Memory {
    /// Returns free pages of every allocator arena to the kernel. Call once after start-up work
    /// that allocates and frees a lot (compiling a large config): the arena of the thread that
    /// did it otherwise keeps those pages resident for the life of the process.
    @discardableResult
    public static func releaseFreePages() -> Bool {
        glibcMallocTrim(0) != 0
    }
}
