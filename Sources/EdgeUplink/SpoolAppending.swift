import EdgeCore
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Writing records: segment rolls, the byte and age caps, the free-space floor, syncing and
/// the cursor file. Called with the spool's state lock held.
extension Spool {
    // MARK: - Appending

    func segmentPath(_ first: UInt64) -> String {
        "\(directory)/\(SpoolFormat.segmentName(first: first))"
    }

    /// Makes sure the active segment is open and has room for `bytes` more, rolling to a new
    /// segment (and applying the free-space floor) when it has not.
    func prepareActiveSegment(_ state: inout State, adding bytes: Int64) throws(FileError) {
        guard let active = state.segments.last else {
            try createSegment(&state)
            return
        }
        let full = active.bytes > 0 && active.bytes + bytes > Int64(settings.segmentBytes)
        if full || state.activeNeedsRoll {
            if state.activeFD >= 0 {
                // The finished segment must be on disk before its successor exists: recovery
                // only checks the newest segment and trusts all earlier ones.
                if state.activeDirty { try SpoolIO.sync(state.activeFD, path: segmentPath(active.first)) }
                SpoolIO.close(state.activeFD)
                state.activeFD = -1
                state.activeDirty = false
            }
            if active.bytes == 0 {
                // Only a repair can get here with an empty segment, whose name the new one would
                // take: replace it rather than fail on the existing file.
                try SpoolIO.remove(segmentPath(active.first))
                state.segments.removeLast()
            }
            try createSegment(&state)
            state.activeNeedsRoll = false
            enforceFreeSpaceFloor(&state, reserve: 0, reason: "min-free-bytes")
            enforceAgeCap(&state)
        } else if state.activeFD < 0 {
            state.activeFD = try SpoolIO.open(segmentPath(active.first), O_RDWR | O_APPEND | O_CLOEXEC)
        }
    }

    func createSegment(_ state: inout State) throws(FileError) {
        let first = state.nextSequence
        // O_EXCL: every name is the next unused sequence, so an existing file would mean two
        // writers; refuse rather than truncate someone's records.
        let fd = try SpoolIO.open(segmentPath(first), O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC)
        state.segments.append(Segment(first: first, bytes: 0))
        state.activeFD = fd
        state.activeDirty = false
        state.directoryDirty = true
        if state.readHint?.segment == first { state.readHint = nil }
    }

    /// Writes one record into the active segment. On a full disk with older segments around it
    /// drops the oldest ones (the drop-oldest policy) and tries once more; a failed write is cut
    /// back to the last whole record so the segment stays readable.
    func write(_ record: [UInt8], into state: inout State) throws(FileError) {
        var retried = false
        while true {
            // prepareActiveSegment opened it; this only guards against writing nowhere.
            guard let active = state.segments.last, state.activeFD >= 0 else {
                throw FileError(operation: "write (no open segment in)", path: directory, errno: EBADF)
            }
            let path = segmentPath(active.first)
            do throws(FileError) {
                try SpoolIO.writeAll(state.activeFD, record, path: path)
                state.segments[state.segments.count - 1].bytes += Int64(record.count)
                state.totalBytes += Int64(record.count)
                state.activeDirty = true
                return
            } catch {
                do throws(FileError) {
                    try SpoolIO.truncate(state.activeFD, to: active.bytes, path: path)
                } catch let truncation {
                    logger?.error(
                        "spool segment could not be cut back after a failed write; starting a new one",
                        metadata: ["error": "\(truncation)"])
                    state.activeNeedsRoll = true
                    throw error
                }
                let diskFull = error.errno == ENOSPC || error.errno == EDQUOT
                guard diskFull, !retried, state.segments.count > 1 else { throw error }
                retried = true
                let before = state.segments.count
                enforceFreeSpaceFloor(&state, reserve: Int64(record.count), reason: "disk full")
                if state.segments.count == before {
                    // The file system claims enough room but the write says otherwise (reserved
                    // blocks, quotas): the oldest segment goes anyway.
                    _ = removeOldestSegment(&state)
                    warnAboutDrops(&state, reason: "disk full")
                }
                guard state.segments.count < before else { throw error }
            }
        }
    }

    /// Drops the oldest segments while all segment bytes exceed `maxBytes`.
    func enforceByteCap(_ state: inout State) {
        while state.totalBytes > settings.maxBytes, state.segments.count > 1 {
            guard removeOldestSegment(&state) else { break }
        }
        warnAboutDrops(&state, reason: "max-bytes")
    }

    /// Drops the oldest segments whose last write (the file's modification time) is older than
    /// `maxAgeNanoseconds`; the active segment always stays.
    func enforceAgeCap(_ state: inout State) {
        guard let maxAge = settings.maxAgeNanoseconds else { return }
        let now = clock.wallNanoseconds()
        while state.segments.count > 1 {
            var info = stat()
            guard stat(segmentPath(state.segments[0].first), &info) == 0 else { break }
            let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            guard now - modified > maxAge else { break }
            guard removeOldestSegment(&state) else { break }
        }
        warnAboutDrops(&state, reason: "max-age")
    }

    /// Drops the oldest segments until the file system has `minFreeBytes` (plus `reserve`) free
    /// again, or only the active segment is left. The needed bytes are computed from one statvfs
    /// call rather than re-asked after each unlink, because file systems may report freed blocks
    /// only after their journal commits.
    func enforceFreeSpaceFloor(_ state: inout State, reserve: Int64, reason: String) {
        guard let available = SpoolIO.availableBytes(directoryFD) else { return }
        let (sum, overflow) = settings.minFreeBytes.addingReportingOverflow(reserve)
        let wanted = overflow ? Int64.max : sum
        guard wanted > available else { return }
        var missing = wanted - available
        while missing > 0, state.segments.count > 1 {
            let bytes = state.segments[0].bytes
            guard removeOldestSegment(&state) else { break }
            missing -= bytes
        }
        warnAboutDrops(&state, reason: reason)
    }

    /// Deletes the oldest segment (never the active one). Its unacknowledged records count as
    /// dropped and the cursor moves past them: they are gone, and a cursor behind the oldest
    /// record would make stats and reads talk about records that do not exist. The cursor file
    /// is not rewritten for this (appends do not fsync); after a restart the oldest segment's
    /// first sequence bounds it the same way.
    func removeOldestSegment(_ state: inout State) -> Bool {
        guard state.segments.count > 1 else { return false }
        let segment = state.segments[0]
        let last = state.lastSequence(ofSegment: 0)
        do throws(FileError) {
            try SpoolIO.remove(segmentPath(segment.first))
        } catch {
            logger?.error("cannot delete spool segment", metadata: ["error": "\(error)"])
            return false
        }
        state.segments.removeFirst()
        state.totalBytes -= segment.bytes
        state.directoryDirty = true
        if state.readHint?.segment == segment.first { state.readHint = nil }
        if last > state.acked {
            let lost = last - max(state.acked, segment.first - 1)
            state.dropped += lost
            state.droppedSinceWarning += lost
            state.acked = last
        }
        return true
    }

    /// Logs dropped records when dropping starts and then at most once a minute while it goes
    /// on: a spool pinned at its cap drops a segment every few appends, and a line per segment
    /// would flood the log exactly when the gateway is already in trouble.
    func warnAboutDrops(_ state: inout State, reason: String) {
        guard state.droppedSinceWarning > 0 else { return }
        let now = clock.monotonicNanoseconds()
        if let last = state.lastDropWarning, now - last < 60_000_000_000 { return }
        logger?.warning(
            "spool full: dropped the oldest undelivered records",
            metadata: [
                "reason": "\(reason)", "dropped": "\(state.droppedSinceWarning)",
                "droppedTotal": "\(state.dropped)", "directory": "\(directory)",
            ])
        state.droppedSinceWarning = 0
        state.lastDropWarning = now
    }

    func syncLocked(_ state: inout State) throws(FileError) {
        if state.activeDirty, state.activeFD >= 0, let active = state.segments.last {
            try SpoolIO.sync(state.activeFD, path: segmentPath(active.first))
            state.activeDirty = false
        }
        if state.directoryDirty {
            try SpoolIO.sync(directoryFD, path: directory)
            state.directoryDirty = false
        }
    }

    /// `syncLocked` without holding the state lock across the fsyncs: the dirty flags are taken
    /// under the lock (with a duplicate of the active segment's descriptor, which a roll may close
    /// meanwhile; a roll fsyncs the segment it closes itself), the fsyncs run outside it, and a
    /// failed fsync sets its flag again so the next sync retries.
    func syncOutsideLock() throws(FileError) {
        try syncLock.withLock { (_: inout Bool) throws(FileError) in
            let taken = state.withLock { state -> (fd: Int32, path: String, directory: Bool, dupFailed: Bool) in
                var fd: Int32 = -1
                var path = ""
                var dupFailed = false
                if state.activeDirty, state.activeFD >= 0, let active = state.segments.last {
                    fd = dup(state.activeFD)
                    path = segmentPath(active.first)
                    if fd >= 0 { state.activeDirty = false } else { dupFailed = true }
                }
                let directory = state.directoryDirty
                state.directoryDirty = false
                return (fd, path, directory, dupFailed)
            }
            if taken.dupFailed {
                // Out of descriptors: sync the way that needs none, under the lock.
                try state.withLock { (state: inout State) throws(FileError) in try syncLocked(&state) }
            }
            if taken.fd >= 0 {
                defer { SpoolIO.close(taken.fd) }
                do throws(FileError) {
                    try SpoolIO.sync(taken.fd, path: taken.path)
                } catch {
                    state.withLock { state in
                        state.activeDirty = true
                        if taken.directory { state.directoryDirty = true }
                    }
                    throw error
                }
            }
            if taken.directory {
                do throws(FileError) {
                    try SpoolIO.sync(directoryFD, path: directory)
                } catch {
                    state.withLock { $0.directoryDirty = true }
                    throw error
                }
            }
        }
    }

    /// Replaces the cursor file. A crash at any point leaves the old or the new cursor, whole.
    func writeCursor(_ sequence: UInt64) throws(FileError) {
        try replaceFile(
            named: SpoolFormat.cursorName, temporaryName: SpoolFormat.cursorTemporaryName,
            with: Array(SpoolFormat.cursorText(sequence).utf8))
    }

    /// Replaces (or creates) a small file in the spool's directory crash-safely: write the
    /// temporary file, fsync it, rename it over the file, fsync the directory.
    func replaceFile(named name: String, temporaryName: String, with bytes: [UInt8]) throws(FileError) {
        let temporary = "\(directory)/\(temporaryName)"
        let fd = try SpoolIO.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC)
        do throws(FileError) {
            try SpoolIO.writeAll(fd, bytes, path: temporary)
            try SpoolIO.sync(fd, path: temporary)
        } catch {
            SpoolIO.close(fd)
            try? SpoolIO.remove(temporary)
            throw error
        }
        SpoolIO.close(fd)
        try SpoolIO.rename(temporary, to: "\(directory)/\(name)")
        try SpoolIO.sync(directoryFD, path: directory)
    }
}
