// Shared by the fuzz targets: a scratch folder per process, writing an input to a file for the readers that
// take a path, reading structured inputs byte by byte, and the check that an error names its file.
import Foundation

/// A folder of this process's scratch files, removed and made afresh at start.
public let scratchFolder: String = {
    let folder = NSTemporaryDirectory() + "/zoo-fuzz-\(getpid())"
    try? FileManager.default.removeItem(atPath: folder)
    try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}()

/// Writes `size` bytes at `data` to `scratchFolder/name` and returns its path.
public func writeScratch(_ data: UnsafePointer<UInt8>?, _ size: Int, name: String) -> String {
    let path = scratchFolder + "/" + name
    let bytes = size > 0 && data != nil ? Data(bytes: data!, count: size) : Data()
    FileManager.default.createFile(atPath: path, contents: bytes)
    return path
}

/// The input as bytes.
public func inputBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard size > 0, let data else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Reads a structured input front to back; past the end every read gives zero.
public struct ByteReader {
    public var bytes: [UInt8]
    public var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { position >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// A number in `0 ... limit` from one byte.
    public mutating func small(_ limit: Int) -> Int { Int(byte()) % (limit + 1) }

    /// A little-endian 32-bit signed number.
    public mutating func int32() -> Int {
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(byte()) << (8 * UInt32(i)) }
        return Int(Int32(bitPattern: v))
    }

    /// The rest of the input.
    public mutating func rest() -> [UInt8] {
        defer { position = bytes.count }
        return position < bytes.count ? Array(bytes[position...]) : []
    }
}

/// Stops the run (a finding) when a reader's error does not name the file it was reading.
public func requireNamed(_ error: Error, file: String, surface: String) {
    let text = String(describing: error)
    guard text.contains(file) else {
        fatalError("\(surface): error does not name the file \(file): \(text)")
    }
}

/// The folder named by `ZOO_FUZZ_WRITE_SEEDS`, made if missing: a target asked to write its seed corpus there
/// (from `LLVMFuzzerInitialize`) instead of fuzzing.
public var seedFolderRequest: String? {
    guard let folder = ProcessInfo.processInfo.environment["ZOO_FUZZ_WRITE_SEEDS"], !folder.isEmpty else { return nil }
    try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}
