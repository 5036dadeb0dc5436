import EdgeCore

/// "Did you mean" for time zone names, from the zone files that exist. Only runs when a name
/// is unknown, so it may walk the directory.
enum TimeZoneSuggestions {
    /// Bounds the walk, so a strange zoneinfo directory cannot make an error slow.
    static let maximumEntries = 5_000

    /// The closest existing zone to `name`: same name in other case or with `_` for spaces,
    /// the same city in another region (`Tokyo` → `Asia/Tokyo`), or a small misspelling.
    static func suggestion(for name: String, directory: String, files: any FileSource) -> String? {
        let zones = zoneNames(directory: directory, files: files)
        let wanted = normalized(name)
        let wantedCity = lastPart(wanted)
        if let same = zones.first(where: { normalized($0) == wanted }) { return same }
        if let city = zones.first(where: { lastPart(normalized($0)) == wantedCity }) { return city }
        let wantedScalars = Array(wanted.unicodeScalars)
        let cityScalars = Array(wantedCity.unicodeScalars)
        var best: (zone: String, distance: Int)?
        for zone in zones {
            let candidate = normalized(zone)
            var distance = Spelling.distance(wantedScalars, Array(candidate.unicodeScalars))
            if cityScalars.count >= 5 {
                let city = Array(lastPart(candidate).unicodeScalars)
                distance = Swift.min(distance, Spelling.distance(cityScalars, city))
            }
            if distance < (best?.distance ?? Int.max) { best = (zone, distance) }
        }
        guard let best, best.distance <= (wantedScalars.count >= 8 ? 2 : 1) else { return nil }
        return best.zone
    }

    /// The first zone (in sorted order) inside a region folder, for an example.
    static func firstZone(under region: String, directory: String, files: any FileSource) -> String? {
        var names: [String] = []
        var budget = maximumEntries
        collect(
            directory: directory + "/" + region, prefix: region + "/", depth: 2, files: files, into: &names,
            budget: &budget)
        return names.sorted().first
    }

    /// Zone names under `directory`, sorted; skips the `posix/` and `right/` copies and the
    /// data files that are not zones (`zone.tab`, `tzdata.zi`, `leapseconds`, ...).
    static func zoneNames(directory: String, files: any FileSource) -> [String] {
        var names: [String] = []
        var budget = maximumEntries
        collect(directory: directory, prefix: "", depth: 3, files: files, into: &names, budget: &budget)
        return names.sorted()
    }

    private static func collect(
        directory: String, prefix: String, depth: Int, files: any FileSource, into names: inout [String],
        budget: inout Int
    ) {
        guard depth > 0, budget > 0 else { return }
        let entries = files.entries(directory, limit: budget)
        budget -= entries.count
        for entry in entries {
            // Zones and regions start with a capital; `posix`, `right`, `zone.tab`, ... do not.
            let name = entry.name
            guard let first = name.unicodeScalars.first, ("A"..."Z").contains(first), !name.contains("."),
                name != "SECURITY", name != "Factory"
            else { continue }
            if entry.isDirectory {
                collect(
                    directory: directory + "/" + name, prefix: prefix + name + "/", depth: depth - 1, files: files,
                    into: &names, budget: &budget)
            } else {
                names.append(prefix + name)
            }
        }
    }

    private static func normalized(_ name: String) -> String {
        String(String.UnicodeScalarView(name.lowercased().unicodeScalars.map { $0 == " " ? "_" : $0 }))
    }

    private static func lastPart(_ name: String) -> String {
        name.split(separator: "/").last.map(String.init) ?? name
    }
}
