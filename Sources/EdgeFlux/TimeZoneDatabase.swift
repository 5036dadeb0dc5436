import EdgeCore

/// Finds a time zone by name: UTC and fixed offsets are built in (they work without tzdata);
/// every other name is a TZif file under the zoneinfo directory.
enum TimeZoneDatabase {
    /// Where Debian's `tzdata` package installs the zone files.
    static let defaultDirectory = "/usr/share/zoneinfo"

    static let genericHint = "use an IANA name such as Asia/Tokyo or Europe/Berlin, UTC, or an offset such as +09:00"

    /// The rules of the zone called `name`.
    static func load(
        _ name: String, directory: String = defaultDirectory, files: any FileSource = LocalFiles()
    ) throws(TimeZoneError) -> TimeZoneRules {
        if let offset = builtInOffset(name) { return .fixed(name: name, offset: offset) }
        guard !name.isEmpty else { throw TimeZoneError(message: "the time zone name is empty", hint: genericHint) }
        guard isPlausibleName(name) else {
            // The suggestion comes from listing the directory, never from opening `name`.
            let hint = TimeZoneSuggestions.suggestion(for: name, directory: directory, files: files).map { "did you mean '\($0)'?" }
            throw TimeZoneError(message: "'\(name)' is not a valid time zone name", hint: hint ?? genericHint)
        }
        let path = directory + "/" + name
        switch files.read(path, limit: TimeZoneFile.maximumSize) {
        case .bytes(let bytes):
            do {
                return try TimeZoneFile.parse(bytes, name: name)
            } catch {
                throw TimeZoneError(
                    message: "time zone file \(path) is malformed: \(error.message)", hint: error.hint)
            }
        case .missing:
            guard files.isDirectory(directory) else {
                throw TimeZoneError(
                    message: "no time zone database at \(directory), so '\(name)' is unknown",
                    hint: "install the tzdata package (apt-get install tzdata), or use UTC or an offset such as +09:00")
            }
            let hint = TimeZoneSuggestions.suggestion(for: name, directory: directory, files: files).map { "did you mean '\($0)'?" }
            throw TimeZoneError(message: "unknown time zone '\(name)'", hint: hint ?? genericHint)
        case .directory:
            let example = TimeZoneSuggestions.firstZone(under: name, directory: directory, files: files)
            throw TimeZoneError(
                message: "'\(name)' is a region, not a time zone",
                hint: example.map { "name a zone inside it, such as '\($0)'" } ?? genericHint)
        case .failed(let reason):
            throw TimeZoneError(message: "cannot read time zone file \(path): \(reason)")
        }
    }

    /// Offsets that need no file: the UTC aliases, `Etc/GMT±N` (POSIX sign: `Etc/GMT-9` is
    /// nine hours east) and ISO 8601 offsets `+09:00`, `-0530`, `+09`, also after `UTC`
    /// (`UTC+9`, `UTC+05:30`, east positive as people write them).
    static func builtInOffset(_ name: String) -> Int32? {
        switch name {
        case "UTC", "Etc/UTC", "UCT", "Etc/UCT", "GMT", "Etc/GMT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu",
            "Greenwich", "Etc/Greenwich", "GMT0", "GMT+0", "GMT-0", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0":
            return 0
        default:
            break
        }
        let scalars = Array(name.unicodeScalars)
        if name.hasPrefix("Etc/GMT"), scalars.count > 8, let hours = digits(scalars[8...], maxCount: 2) {
            switch scalars[7] {
            case "-" where hours <= 14: return Int32(hours) * 3_600
            case "+" where hours <= 12: return -Int32(hours) * 3_600
            default: return nil
            }
        }
        if name.hasPrefix("UTC"), scalars.count > 3 {
            return isoOffset(scalars[3...], minimumHourDigits: 1)
        }
        return isoOffset(scalars[...], minimumHourDigits: 2)
    }

    /// `±H[H][[:]MM]` within ±18:00; minutes without a colon need two hour digits.
    private static func isoOffset(_ text: ArraySlice<Unicode.Scalar>, minimumHourDigits: Int) -> Int32? {
        guard let sign = text.first, sign == "+" || sign == "-" else { return nil }
        var rest = text.dropFirst()
        let hourText = rest.prefix { ("0"..."9").contains($0) }.prefix(2)
        guard hourText.count >= minimumHourDigits, let hours = digits(hourText, maxCount: 2) else { return nil }
        rest = rest.dropFirst(hourText.count)
        var minutes = 0
        if !rest.isEmpty {
            if rest.first == ":" {
                rest = rest.dropFirst()
            } else if hourText.count < 2 {
                return nil
            }
            guard rest.count == 2, let value = digits(rest, maxCount: 2), value <= 59 else { return nil }
            minutes = value
        }
        let seconds = Int32(hours * 3_600 + minutes * 60)
        guard seconds <= 18 * 3_600 else { return nil }
        return sign == "-" ? -seconds : seconds
    }

    /// The value of an all-ASCII-digit run of 1...maxCount characters.
    private static func digits(_ text: ArraySlice<Unicode.Scalar>, maxCount: Int) -> Int? {
        guard !text.isEmpty, text.count <= maxCount else { return nil }
        var value = 0
        for scalar in text {
            guard ("0"..."9").contains(scalar) else { return nil }
            value = value * 10 + Int(scalar.value - 48)
        }
        return value
    }

    /// Slash-separated parts of letters, digits, `_`, `-`, `+` and `.`, none empty, `.` or
    /// `..`: a name that cannot leave the zoneinfo directory.
    static func isPlausibleName(_ name: String) -> Bool {
        guard name.utf8.count <= 255 else { return false }
        for part in name.split(separator: "/", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part != ".", part != ".." else { return false }
            for scalar in part.unicodeScalars {
                let allowed = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                    || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-" || scalar == "+" || scalar == "."
                guard allowed else { return false }
            }
        }
        return true
    }
}
