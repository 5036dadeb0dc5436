/// The typed record of one frame, as the spool keeps it: binary, versioned, without names. Names
/// live once in the `RecordSchema` the record's schema id points at, so a 100-point frame costs
/// its values, not 100 point names, and no reader has to parse text the agent wrote itself.
///
/// Layout (all integers little-endian), version 1:
///
/// ```
/// offset  size  field
///  0      1     tag 0xEF (a JSON record starts with `"`, so the first byte tells them apart)
///  1      1     version (1)
///  2      8     schema id (`RecordSchema.id`)
/// 10      2     source index in the schema
/// 12      8     timestamp, wall-clock ns since the epoch (signed)
/// 20      2     number of point entries that follow
/// 22      ...   entries, in point order: point index (2), flags (1), then
///                 quality good, a number: the value, IEEE 754 binary64 (8)
///                 quality good, a text:   its UTF-8 length (4) and bytes
///                 any other quality:      nothing
///               flags: bits 0-6 the quality (`SampleQuality.rawValue`), bit 7 set for a text
/// ```
///
/// Absent points and points a deadband held back are not in the record; redacted points are
/// left out by the encoder.
public enum FrameRecord {
    /// The first byte of every typed frame record.
    public static let tag: UInt8 = 0xEF
    /// The layout version this build writes and reads.
    public static let version: UInt8 = 1
    /// Bytes before the first entry.
    static let headerBytes = 22

    /// Whether `bytes` holds a typed frame record (else it is a JSON record).
    public static func isFrameRecord(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == tag
    }

    // MARK: Writing

    /// Starts a record in `out` (emptied first, its storage kept) and returns where the entry
    /// count goes; add entries with `appendNumber`/`appendText`/`appendQuality`, then `finish`.
    public static func begin(
        into out: inout [UInt8], schema: UInt64, source: Int, timestamp: Int64
    ) {
        out.removeAll(keepingCapacity: true)
        out.append(tag)
        out.append(version)
        appendInteger(schema, to: &out)
        appendInteger(UInt16(truncatingIfNeeded: source), to: &out)
        appendInteger(UInt64(bitPattern: timestamp), to: &out)
        appendInteger(UInt16(0), to: &out)
    }

    /// Adds a good numeric point.
    public static func appendNumber(_ value: Double, point: Int, to out: inout [UInt8]) {
        appendInteger(UInt16(truncatingIfNeeded: point), to: &out)
        out.append(SampleQuality.good.rawValue)
        appendInteger(value.bitPattern, to: &out)
        bumpCount(&out)
    }

    /// Adds a good text point.
    public static func appendText(_ text: String, point: Int, to out: inout [UInt8]) {
        appendInteger(UInt16(truncatingIfNeeded: point), to: &out)
        out.append(SampleQuality.good.rawValue | 0x80)
        let utf8 = text.utf8
        appendInteger(UInt32(truncatingIfNeeded: utf8.count), to: &out)
        out.append(contentsOf: utf8)
        bumpCount(&out)
    }

    /// Adds a point that failed with `quality`.
    public static func appendQuality(_ quality: SampleQuality, point: Int, to out: inout [UInt8]) {
        appendInteger(UInt16(truncatingIfNeeded: point), to: &out)
        out.append(quality.rawValue & 0x7F)
        bumpCount(&out)
    }

    /// The number of entries written so far into the record in `out`.
    public static func entryCount(_ out: [UInt8]) -> Int {
        out.count >= headerBytes ? Int(out[20]) | Int(out[21]) << 8 : 0
    }

    private static func bumpCount(_ out: inout [UInt8]) {
        let count = entryCount(out) + 1
        out[20] = UInt8(truncatingIfNeeded: count)
        out[21] = UInt8(truncatingIfNeeded: count >> 8)
    }

    private static func appendInteger<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        var little = value.littleEndian
        withUnsafeBytes(of: &little) { out.append(contentsOf: $0) }
    }

    // MARK: Reading

    /// One point entry of a record being read; `text` is valid only during the visit.
    public struct Entry {
        /// The point's index in its source.
        public var point: Int
        /// Its quality.
        public var quality: SampleQuality
        /// The value of a good numeric point (NaN otherwise).
        public var value: Double
        /// The UTF-8 bytes of a good text point.
        public var text: UnsafeRawBufferPointer?
    }

    /// The fixed part of a record.
    public struct Header: Equatable, Sendable {
        /// The schema the record's indices refer to.
        public var schema: UInt64
        /// The source's index in that schema.
        public var source: Int
        /// Wall-clock ns since the epoch.
        public var timestamp: Int64
        /// How many entries follow.
        public var entries: Int

        /// Creates a header (readers get theirs from `header(_:)`).
        public init(schema: UInt64, source: Int, timestamp: Int64, entries: Int) {
            self.schema = schema
            self.source = source
            self.timestamp = timestamp
            self.entries = entries
        }
    }

    /// The header of `bytes`; nil when they are not a whole typed record of this version.
    public static func header(_ bytes: UnsafeRawBufferPointer) -> Header? {
        guard bytes.count >= headerBytes, bytes[0] == tag, bytes[1] == version else { return nil }
        return Header(
            schema: readInteger(bytes, at: 2), source: Int(readInteger(bytes, at: 10) as UInt16),
            timestamp: Int64(bitPattern: readInteger(bytes, at: 12)), entries: Int(readInteger(bytes, at: 20) as UInt16)
        )
    }

    /// Visits every entry in order; false when the record is damaged (an entry runs past its
    /// end, or bytes are left over), in which case some entries may have been visited.
    @discardableResult
    public static func forEachEntry(_ bytes: UnsafeRawBufferPointer, _ visit: (Entry) -> Void) -> Bool {
        guard let header = header(bytes) else { return false }
        var offset = headerBytes
        for _ in 0..<header.entries {
            guard offset + 3 <= bytes.count else { return false }
            let point = Int(readInteger(bytes, at: offset) as UInt16)
            let flags = bytes[offset + 2]
            offset += 3
            let quality = SampleQuality(rawValue: flags & 0x7F)
            var entry = Entry(point: point, quality: quality, value: .nan, text: nil)
            if quality == .good {
                if flags & 0x80 != 0 {
                    guard offset + 4 <= bytes.count else { return false }
                    let length = Int(readInteger(bytes, at: offset) as UInt32)
                    offset += 4
                    guard length <= bytes.count - offset else { return false }
                    entry.text = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
                    offset += length
                } else {
                    guard offset + 8 <= bytes.count else { return false }
                    entry.value = Double(bitPattern: readInteger(bytes, at: offset))
                    offset += 8
                }
            }
            visit(entry)
        }
        return offset == bytes.count
    }

    private static func readInteger<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> T {
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + MemoryLayout<T>.size)]))
        }
        return T(littleEndian: value)
    }
}
