@testable import EdgeUplink
import EdgeTestSupport
import Testing

/// CRC-32 against published check values; the spool format depends on it bit for bit.
@Suite struct CRC32Tests {
    @Test func standardCheckValueOf123456789() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func emptyInputIsZero() {
        #expect(CRC32.checksum([]) == 0)
        #expect(CRC32().value == 0)
    }

    @Test func knownSentenceAndSingleByte() {
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(CRC32.checksum([0x61]) == 0xE8B7_BE43)  // "a"
    }

    @Test func splitInputGivesTheSameChecksumAsWhole() {
        var generator = SeededRandom(seed: 7)
        let bytes = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let whole = CRC32.checksum(bytes)
        for cut in [0, 1, 17, 500, 999, 1000] {
            var crc = CRC32()
            crc.update(Array(bytes[..<cut]))
            crc.update(Array(bytes[cut...]))
            #expect(crc.value == whole, "cut at \(cut)")
        }
    }
}
