// HDF5 wrapper, part 1: errors, element types, dataset options and attribute values. The file, dataset
// and attribute APIs are in HDF5File.swift, HDF5Dataset.swift and HDF5Attributes.swift.
//
// Paths are absolute HDF5 object paths ("/splits/train/frames"); a leading "/" may be omitted.
// Datasets are strictly typed: reading or writing with a Swift type whose HDF5 class, size or sign
// differs from the stored type is an error (HDF5 would otherwise convert silently). HDF5's own error
// printing is switched off; the most specific HDF5 message is appended to each `HDF5Error` instead.
// Thread safety: Debian's libhdf5 is the thread-safe build, which serialises all calls behind one lock,
// so a file may be read from a background thread; it is not faster than one thread.

import CHDF5
import Foundation
import ZooTensor

// MARK: - Errors

/// A failed HDF5 operation, naming the file, the object (when there is one) and the problem.
public struct HDF5Error: Error, CustomStringConvertible, Equatable {
    /// The file's path as given when it was opened or created.
    public var file: String
    /// The object's path inside the file, or nil for file-level failures.
    public var object: String?
    /// What went wrong, for people.
    public var message: String

    /// Creates an error.
    public init(file: String, object: String? = nil, message: String) {
        self.file = file
        self.object = object
        self.message = message
    }

    /// "file: object: message".
    public var description: String {
        if let object { return "\(file): \(object): \(message)" }
        return "\(file): \(message)"
    }
}

/// Silences HDF5's automatic error printing on this thread (the setting is per thread in the
/// thread-safe build, so every entry point calls it) and returns nothing. The first call also turns off
/// HDF5's exit handler (see `hdf5Setup`).
@inline(__always) func hdf5Begin() {
    _ = hdf5Setup
    zoo_h5_silence_errors()
}

/// Runs once, before any other HDF5 call: tells HDF5 not to register its exit handler. That handler
/// closes every file still open when the process exits, and after a close that failed (a full disk, a
/// file-size limit) HDF5 1.10 crashes in it, turning a clean "cannot write the checkpoint" error into a
/// segmentation fault at exit. Nothing is lost without it: every file zoo writes is closed explicitly
/// (and only then renamed into place), so no open file holds data that the handler would save.
private let hdf5Setup: Void = { _ = H5dont_atexit() }()

/// The most specific message on this thread's HDF5 error stack, or "" when it is empty.
func hdf5Detail() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    buffer.withUnsafeMutableBufferPointer { zoo_h5_error_message($0.baseAddress!) }
    return String(cString: buffer)
}

// MARK: - Element types

/// The element type of a stored dataset or attribute, as far as the wrapper distinguishes them.
public enum HDF5ElementType: Equatable, Sendable, CustomStringConvertible {
    /// Two's-complement integer of the given width.
    case signedInteger(bytes: Int)
    /// Unsigned integer of the given width.
    case unsignedInteger(bytes: Int)
    /// IEEE float of the given width.
    case float(bytes: Int)
    /// Fixed or variable-length string.
    case string
    /// Anything else (compound, enum, opaque, ...), with HDF5's class number.
    case other(Int)

    /// NumPy-style name: "uint8", "int64", "float32", "string".
    public var description: String {
        switch self {
        case .signedInteger(let b): return "int\(b * 8)"
        case .unsignedInteger(let b): return "uint\(b * 8)"
        case .float(let b): return "float\(b * 8)"
        case .string: return "string"
        case .other(let c): return "unsupported HDF5 type class \(c)"
        }
    }

    /// Reads the class, size and sign of an HDF5 datatype.
    static func of(_ type: hid_t) -> HDF5ElementType {
        let size = Int(H5Tget_size(type))
        let typeClass = H5Tget_class(type)
        if typeClass == H5T_INTEGER {
            return H5Tget_sign(type) == H5T_SGN_NONE ? .unsignedInteger(bytes: size) : .signedInteger(bytes: size)
        }
        if typeClass == H5T_FLOAT { return .float(bytes: size) }
        if typeClass == H5T_STRING { return .string }
        return .other(Int(typeClass.rawValue))
    }
}

/// A Swift scalar type that maps one-to-one onto an HDF5 native type.
public protocol HDF5Scalar {
    /// The HDF5 native memory type (owned by the library; never closed).
    static var hdf5NativeType: hid_t { get }
    /// The element type a dataset must have to be read or written as this Swift type.
    static var hdf5ElementType: HDF5ElementType { get }
}

extension Float: HDF5Scalar {
    public static var hdf5NativeType: hid_t { zoo_h5t_native_float() }
    public static var hdf5ElementType: HDF5ElementType { .float(bytes: 4) }
}
extension Double: HDF5Scalar {
    public static var hdf5NativeType: hid_t { zoo_h5t_native_double() }
    public static var hdf5ElementType: HDF5ElementType { .float(bytes: 8) }
}
extension UInt8: HDF5Scalar {
    public static var hdf5NativeType: hid_t { zoo_h5t_native_uint8() }
    public static var hdf5ElementType: HDF5ElementType { .unsignedInteger(bytes: 1) }
}
extension Int32: HDF5Scalar {
    public static var hdf5NativeType: hid_t { zoo_h5t_native_int32() }
    public static var hdf5ElementType: HDF5ElementType { .signedInteger(bytes: 4) }
}
extension Int64: HDF5Scalar {
    public static var hdf5NativeType: hid_t { zoo_h5t_native_int64() }
    public static var hdf5ElementType: HDF5ElementType { .signedInteger(bytes: 8) }
}
extension UInt64: HDF5Scalar {
    public static var hdf5NativeType: hid_t { zoo_h5t_native_uint64() }
    public static var hdf5ElementType: HDF5ElementType { .unsignedInteger(bytes: 8) }
}

// MARK: - Dataset options and attribute values

/// How a new dataset is laid out on disk.
public struct HDF5DatasetOptions: Sendable {
    /// Chunk shape (same rank as the dataset). Nil picks one automatically when chunking is needed
    /// (compression or an unlimited axis): the full shape, halving leading axes until a chunk is ≤ 1 MiB.
    public var chunks: [Int]?
    /// Deflate (gzip) level 1-9, or nil for no compression. Pays off for uint8 frames; float weights
    /// barely compress.
    public var gzipLevel: Int?
    /// Maximum shape, or nil for a fixed-size dataset. An entry of nil makes that axis unlimited, so
    /// `HDF5Dataset.extend(to:)` can grow it (e.g. `[nil, 64, 64, 1]` for frames appended over time).
    public var maxShape: [Int?]?

    /// Creates options; the defaults give a contiguous, uncompressed, fixed-size dataset.
    public init(chunks: [Int]? = nil, gzipLevel: Int? = nil, maxShape: [Int?]? = nil) {
        self.chunks = chunks
        self.gzipLevel = gzipLevel
        self.maxShape = maxShape
    }
}

/// An attribute's value. Integers are stored as int64, reals as float64, strings as variable-length
/// UTF-8 (what h5py writes for `str`, so h5py reads them back as `str`).
public enum HDF5AttributeValue: Equatable, Sendable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case double(Double)
    case strings([String])
    case ints([Int])
    case doubles([Double])

    /// The value as text (arrays comma-separated).
    public var description: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .strings(let s): return s.joined(separator: ", ")
        case .ints(let i): return i.map(String.init).joined(separator: ", ")
        case .doubles(let d): return d.map { String($0) }.joined(separator: ", ")
        }
    }

    /// The string, when this is `.string`.
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    /// The integer, when this is `.int` (or a `.double` holding an exact integer).
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9e15: return Int(d)
        default: return nil
        }
    }
    /// The number, when this is `.double` or `.int`.
    public var doubleValue: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }
}

/// Normalises "a/b", "/a/b/" and "a//b" to "/a/b"; "" and "/" are the root.
func hdf5NormalizedPath(_ path: String) -> String {
    "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
}

/// The chunk shape used when none is given: the full shape (0 → 1), halving the leftmost axis that is
/// still above 1 until a chunk holds at most `limitBytes`.
func hdf5DefaultChunks(shape: [Int], elementBytes: Int, limitBytes: Int = 1 << 20) -> [Int] {
    var chunks = shape.map { Swift.max(1, $0) }
    while chunks.reduce(elementBytes, *) > limitBytes, let axis = chunks.firstIndex(where: { $0 > 1 }) {
        chunks[axis] = (chunks[axis] + 1) / 2
    }
    return chunks
}
