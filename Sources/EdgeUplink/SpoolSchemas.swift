public import EdgeCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The schemas of typed frame records (`RecordSchema`): each in its own file in the spool's
/// directory, `schema-<id>.json`, written before the first record that uses it. A record names
/// its schema by id, so records spooled before a restart or a reload are read with the names
/// they were written with. The files are a few hundred bytes and change only with the config's
/// sources, so they are kept.
extension Spool {
    /// Stores `schema` crash-safely (write a temporary file, fsync, rename, fsync the
    /// directory) unless its file exists already.
    public func storeSchema(_ schema: RecordSchema) throws(SpoolError) {
        if schemaCache.withLock({ $0[schema.id] != nil }) { return }
        let name = RecordSchema.fileName(id: schema.id)
        if access("\(directory)/\(name)", F_OK) != 0 {
            do throws(FileError) {
                try replaceFile(named: name, temporaryName: name + ".tmp", with: Array(schema.canonicalJSON.utf8))
            } catch {
                throw SpoolError(error)
            }
        }
        schemaCache.withLock { $0[schema.id] = schema }
    }

    /// The schema with `id`, from memory or its file; nil when neither has it (the file was
    /// removed by hand, or is damaged).
    public func schema(id: UInt64) -> RecordSchema? {
        if let known = schemaCache.withLock({ $0[id] }) { return known }
        let path = "\(directory)/\(RecordSchema.fileName(id: id))"
        guard let text = try? Files.readText(path, limit: 16 << 20), let schema = RecordSchema.parse(text),
            schema.id == id
        else { return nil }
        schemaCache.withLock { $0[id] = schema }
        return schema
    }
}

extension Spool {
    /// A record's JSON members without braces, as `records.jsonl` and every build before typed
    /// records wrote them: a typed frame record rendered with its schema's names, a JSON record
    /// as it is. nil for a typed record whose schema is unknown or that is damaged.
    public func jsonMembers(of payload: [UInt8]) -> [UInt8]? {
        payload.withUnsafeBytes { bytes -> [UInt8]? in
            guard let header = FrameRecord.header(bytes) else {
                return FrameRecord.isFrameRecord(bytes) ? nil : payload
            }
            var out: [UInt8] = []
            guard let schema = schema(id: header.schema),
                FrameRecordJSON.writeMembers(bytes, schema: schema, into: &out)
            else { return nil }
            return out
        }
    }
}

extension SpoolRecord {
    /// The record's time in ms since the epoch: a typed record's header, a JSON record's `ts`.
    public var timestampMilliseconds: Int64? {
        payload.withUnsafeBytes { bytes -> Int64? in
            if let header = FrameRecord.header(bytes) { return header.timestamp / 1_000_000 }
            let text = "{" + String(decoding: bytes, as: UTF8.self) + "}"
            return (try? JSONValue.parse(text))?["ts"].numberValue.map { Int64($0) }
        }
    }
}
