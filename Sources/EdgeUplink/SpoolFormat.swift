// The uplink spool on disk
// =======================
//
// One directory per spool. It holds:
//
//   00000000000000000001.seg   segment files, each named by the sequence number of its first
//   00000000000000004711.seg   record in 20 decimal digits (so name order is sequence order)
//   cursor                     the acknowledged sequence number in decimal text, then "\n"
//   cursor.tmp                 only ever briefly, while the cursor is being replaced
//
// A segment is a plain concatenation of records. Each record is a 20-byte header followed by
// its payload; all integers are little-endian:
//
//   offset  size  field
//        0     4  magic "EFR1" (0x45 0x46 0x52 0x31)
//        4     4  payload length, at most 16 MiB
//        8     8  sequence number
//       16     4  CRC-32 (IEEE 802.3 / zlib / PNG) of the 8 sequence bytes, then the payload
//       20     n  payload
//
// Sequence numbers start at 1 and increase by one per record with no gaps, inside a segment
// and across segments: the last record of a segment is the next segment's first minus one.
// That is why only the first sequence needs to be in the name, and why older segments never
// have to be read to know what they contain.
//
// Crash safety, and why each rule exists:
//
// - Appends are one write(2) of header and payload into the newest ("active") segment, without
//   fsync, so a power cut can leave the segment ending in a partial record or in garbage (blocks
//   allocated but not yet written). Recovery therefore scans the active segment record by record
//   (magic, length within the file, CRC, sequence continuity) and truncates it at the end of the
//   last good record; numbering continues after that record, so a sequence number is never
//   given to two different payloads by the same spool.
// - When a segment is full it is fsync'd before the next one is created. A segment that is not
//   the newest one has therefore reached the disk completely and is trusted on recovery; only its
//   size is taken (stat), and memory and start-up time do not grow with the spool.
// - A failed write (disk full) is cut back to the last whole record at once, so a record
//   written after the failure does not sit behind torn bytes.
// - The cursor is replaced the way mosquitto's persist_write does it: write `cursor.tmp`, fsync
//   it, rename it over `cursor`, fsync the directory. A reader of the directory sees either the
//   old or the new cursor, never a half-written one. Before the cursor moves, the active segment
//   (and the directory, if a segment was created) is fsync'd, so a cursor never covers records
//   that a power cut could still take away.
// - Segments whose records are all acknowledged are deleted only after the cursor that covers
//   them is durable; if the deletion is lost in a crash, the segment is merely deleted again.
// - A missing cursor means nothing was acknowledged; an unreadable one is treated the same way
//   (records are sent twice rather than lost). A cursor beyond the newest record (records lost
//   outside the spool's control) is clamped to that record.

/// Constants and byte-level helpers of the spool format described above.
enum SpoolFormat {
    /// "EFR1": edgeflow record, version 1.
    static let magic: [UInt8] = [0x45, 0x46, 0x52, 0x31]
    /// Bytes before the payload.
    static let headerBytes = 20
    /// The largest payload a record may carry; a longer length field is damage, not data.
    static let maxPayloadBytes = 16 << 20
    /// Segment file suffix.
    static let segmentSuffix = ".seg"
    /// Digits of the sequence number in a segment name (UInt64.max has 20).
    static let segmentDigits = 20
    /// The acknowledged-sequence file.
    static let cursorName = "cursor"
    /// Where the next cursor is written before it is renamed into place.
    static let cursorTemporaryName = "cursor.tmp"

    /// `00000000000000000042.seg` for 42.
    static func segmentName(first: UInt64) -> String {
        let digits = String(first)
        return String(repeating: "0", count: max(0, segmentDigits - digits.count)) + digits + segmentSuffix
    }

    /// The first sequence a segment name stands for, or nil for anything that is not a segment
    /// name (the cursor, stray files), so foreign files in the directory are left alone.
    static func segmentFirst(fromName name: String) -> UInt64? {
        guard name.hasSuffix(segmentSuffix) else { return nil }
        let digits = name.utf8.dropLast(segmentSuffix.utf8.count)
        guard digits.count == segmentDigits, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        guard let value = UInt64(String(decoding: digits, as: UTF8.self)), value > 0 else { return nil }
        return value
    }

    /// Header and payload of one record, ready for a single write(2).
    static func encodeRecord(sequence: UInt64, payload: [UInt8]) -> [UInt8] {
        var crc = CRC32()
        withUnsafeBytes(of: sequence.littleEndian) { crc.update($0) }
        crc.update(payload)
        var record: [UInt8] = []
        record.reserveCapacity(headerBytes + payload.count)
        record.append(contentsOf: magic)
        appendLittleEndian(UInt32(payload.count), to: &record)
        appendLittleEndian(sequence, to: &record)
        appendLittleEndian(crc.value, to: &record)
        record.append(contentsOf: payload)
        return record
    }

    /// The fields of a header, or nil when the magic is wrong. `bytes` must hold 20 bytes.
    static func decodeHeader(_ bytes: UnsafeRawBufferPointer) -> SpoolRecordHeader? {
        guard bytes.count >= headerBytes, bytes[0] == magic[0], bytes[1] == magic[1], bytes[2] == magic[2],
            bytes[3] == magic[3]
        else { return nil }
        return SpoolRecordHeader(
            length: Int(readLittleEndian(UInt32.self, bytes, at: 4)),
            sequence: readLittleEndian(UInt64.self, bytes, at: 8),
            checksum: readLittleEndian(UInt32.self, bytes, at: 16)
        )
    }

    /// The cursor file's text for `sequence`.
    static func cursorText(_ sequence: UInt64) -> String { "\(sequence)\n" }

    /// The sequence in a cursor file's text, or nil when it is not a plain decimal number.
    static func parseCursor(_ text: String) -> UInt64? {
        let trimmed = text.utf8.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(String(decoding: trimmed, as: UTF8.self))
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func readLittleEndian<T: FixedWidthInteger>(
        _: T.Type, _ bytes: UnsafeRawBufferPointer, at offset: Int
    ) -> T {
        var value: T = 0
        for index in 0..<MemoryLayout<T>.size {
            value |= T(bytes[offset + index]) << (8 * index)
        }
        return value
    }
}

/// A decoded record header (the magic already checked).
struct SpoolRecordHeader: Equatable {
    /// Payload bytes that follow the header (not yet checked against the limit or the file).
    var length: Int
    /// The record's sequence number.
    var sequence: UInt64
    /// CRC-32 of the sequence bytes and the payload, as stored.
    var checksum: UInt32

    /// Header plus payload.
    var recordBytes: Int64 { Int64(SpoolFormat.headerBytes) + Int64(length) }
}
