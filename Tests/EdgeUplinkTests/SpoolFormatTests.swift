@testable import EdgeUplink
import Testing

/// The byte layout of records, segment names and the cursor text, checked against the format
/// as documented rather than against the encoder's own constants.
@Suite struct SpoolFormatTests {
    @Test func recordHeaderIsMagicLengthSequenceChecksumLittleEndian() {
        let sequence: UInt64 = 0x0102_0304_0506_0708
        let record = SpoolFormat.encodeRecord(sequence: sequence, payload: Array("hi".utf8))
        #expect(record.count == 22)
        #expect(Array(record[0..<4]) == Array("EFR1".utf8))
        #expect(Array(record[4..<8]) == [2, 0, 0, 0])
        #expect(Array(record[8..<16]) == [8, 7, 6, 5, 4, 3, 2, 1])
        let crc = CRC32.checksum([8, 7, 6, 5, 4, 3, 2, 1] + Array("hi".utf8))
        #expect(Array(record[16..<20]) == [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: crc >> $0) })
        #expect(Array(record[20...]) == Array("hi".utf8))
    }

    @Test func headerDecodesWhatWasEncodedAndRejectsBadMagic() {
        var record = SpoolFormat.encodeRecord(sequence: 42, payload: [1, 2, 3])
        let header = record.withUnsafeBytes { SpoolFormat.decodeHeader($0) }
        #expect(header == SpoolRecordHeader(length: 3, sequence: 42, checksum: CRC32.checksum(
            [42, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3])))
        record[0] = 0x46
        #expect(record.withUnsafeBytes { SpoolFormat.decodeHeader($0) } == nil)
    }

    @Test func segmentNamesAreTwentyDigitsAndRoundTrip() {
        #expect(SpoolFormat.segmentName(first: 1) == "00000000000000000001.seg")
        #expect(SpoolFormat.segmentName(first: UInt64.max) == "18446744073709551615.seg")
        for first: UInt64 in [1, 9, 10, 4711, 1 << 40, UInt64.max] {
            #expect(SpoolFormat.segmentFirst(fromName: SpoolFormat.segmentName(first: first)) == first)
        }
    }

    @Test func foreignNamesAreNotSegments() {
        for name in [
            "cursor", "cursor.tmp", "1.seg", "0000000000000000001.seg", "000000000000000000001.seg",
            "0000000000000000000a.seg", "00000000000000000001.seg.tmp", "00000000000000000000.seg",
            "99999999999999999999.seg", ".seg",
        ] {
            #expect(SpoolFormat.segmentFirst(fromName: name) == nil, "\(name)")
        }
    }

    @Test func cursorTextRoundTripsAndGarbageIsRejected() {
        #expect(SpoolFormat.cursorText(17) == "17\n")
        #expect(SpoolFormat.parseCursor("17\n") == 17)
        #expect(SpoolFormat.parseCursor("  18446744073709551615 \r\n") == UInt64.max)
        for garbage in ["", "\n", "-1", "12a", "1 2", "18446744073709551616", "0x10", "\u{0}\u{0}"] {
            #expect(SpoolFormat.parseCursor(garbage) == nil, "\(garbage.debugDescription)")
        }
    }
}
