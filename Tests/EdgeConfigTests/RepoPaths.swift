import EdgeCore

/// Repository paths located from this file, so tests run from any working directory.
enum RepoPaths {
    static let root = Files.directory(of: Files.directory(of: Files.directory(of: #filePath)))
}
