import EdgeCore

/// Records read from the spool into storage that is reused from one read to the next: their
/// payloads side by side in one byte array and an index of where each starts. Reading a batch
/// and encoding it from here allocates nothing per record, and nothing at all once the storage
/// has grown to the largest batch.
public struct SpoolBatch: Sendable {
    /// One record's place in `bytes`.
    struct Entry: Sendable {
        var sequence: UInt64
        var start: Int
        var count: Int
    }

    /// Every payload, one after the other.
    private(set) var bytes: [UInt8] = []
    private(set) var entries: [Entry] = []

    /// An empty batch.
    public init() {}

    /// A batch holding copies of `records` (tests and tools; the uplink reads into its batch).
    public init(_ records: [(sequence: UInt64, payload: [UInt8])]) {
        for record in records { append(sequence: record.sequence, payload: record.payload) }
    }

    /// How many records it holds.
    public var count: Int { entries.count }
    /// Whether it holds none.
    public var isEmpty: Bool { entries.isEmpty }
    /// The sequence number of its first record.
    public var firstSequence: UInt64? { entries.first?.sequence }
    /// The sequence number of its last record.
    public var lastSequence: UInt64? { entries.last?.sequence }
    /// The payload bytes of all its records.
    public var payloadBytes: Int { bytes.count }

    /// Calls `body` with record `index`'s sequence number and payload; the buffer is valid only
    /// during the call.
    public func withRecord<T>(_ index: Int, _ body: (UInt64, UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let entry = entries[index]
        return try bytes.withUnsafeBytes { raw in
            try body(entry.sequence, UnsafeRawBufferPointer(rebasing: raw[entry.start..<(entry.start + entry.count)]))
        }
    }

    /// Empties the batch and keeps its storage.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
    }

    /// Copies of the records (for callers that keep them past the next read).
    public var records: [SpoolRecord] {
        entries.map { SpoolRecord(sequence: $0.sequence, payload: Array(bytes[$0.start..<($0.start + $0.count)])) }
    }

    mutating func append(sequence: UInt64, payload: [UInt8]) {
        entries.append(Entry(sequence: sequence, start: bytes.count, count: payload.count))
        bytes.append(contentsOf: payload)
    }

    /// Reads the payload of the record `reader` stands at into the batch; false (and nothing
    /// added) on a checksum mismatch.
    mutating func appendPayload(
        of header: SpoolRecordHeader, from reader: SpoolSegmentReader
    ) throws(FileError) -> Bool {
        let start = bytes.count
        guard try reader.payload(header, into: &bytes) else {
            bytes.removeSubrange(start...)
            return false
        }
        entries.append(Entry(sequence: header.sequence, start: start, count: bytes.count - start))
        return true
    }
}
