// `zoo metrics` input validation: the shapes, element types and dataset names of the truth and prediction
// files, and the options. The input describes both files (rank, sizes, type, dataset name) and the options;
// the files are written with those properties and the command runs as `zoo metrics` would run it.
import ArgumentParser
import Foundation
import FuzzSupport
import ZooCLI
import ZooCore

/// Writes `frames` (or another name) of the described type and shape; false when the shape is too large to
/// score quickly or HDF5 refuses it.
func writeFrames(_ path: String, _ r: inout ByteReader, fill: [UInt8]) -> Bool {
    let rank = r.small(7)
    var shape: [Int] = []
    for _ in 0..<rank { shape.append(r.small(12)) }
    let type = r.small(3)
    let name = r.small(7) == 7 ? "other" : "frames"
    let count = shape.reduce(1, *)
    guard count <= 60_000 else { return false }
    let bytes = (0..<count).map { fill.isEmpty ? UInt8(truncatingIfNeeded: $0 &* 37) : fill[$0 % fill.count] }
    do {
        let file = try HDF5File.create(path: path, overwrite: true)
        defer { try? file.close() }
        switch type {
        case 0, 1: try file.write(bytes, shape: shape, to: name)
        case 2: try file.write(bytes.map { Float($0) }, shape: shape, to: name)
        default: try file.write(bytes.map { Int32($0) - 128 }, shape: shape, to: name)
        }
    } catch { return false }
    return true
}

/// Makes the scratch folder before the first input, so that libFuzzer's leak check does not count it.
@_cdecl("LLVMFuzzerInitialize")
public func initializeMetrics(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    _ = scratchFolder
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetrics(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var r = ByteReader(inputBytes(data, size))
    let truth = scratchFolder + "/truth.h5", pred = scratchFolder + "/pred.h5"
    let metricBits = r.byte()
    let optionBits = r.byte()
    let context = Int(Int8(bitPattern: r.byte()))
    let clips = Int(Int8(bitPattern: r.byte()))
    let batch = Int(Int8(bitPattern: r.byte()))
    guard writeFrames(truth, &r, fill: []) else { return 0 }
    guard writeFrames(pred, &r, fill: Array(r.bytes.suffix(64))) else { return 0 }
    let names = ["crps", "mse", "psnr", "ssim", "lpips", "fvd", "all", "nope"]
    var list = names.enumerated().filter { metricBits & (1 << $0.offset) != 0 }.map(\.element)
    if list.isEmpty { list = ["crps"] }
    var arguments = ["--truth", truth, "--pred", pred, "--metrics", list.joined(separator: ","),
                     "--weights-dir", scratchFolder + "/no-weights"]
    if optionBits & 1 != 0 { arguments += ["--context", "\(context)"] }
    if optionBits & 2 != 0 { arguments += ["--clips", "\(clips)"] }
    if optionBits & 4 != 0 { arguments += ["--batch", "\(batch)"] }
    if optionBits & 8 != 0 { arguments += ["--json"] }
    if optionBits & 16 != 0 { arguments += ["--per-frame"] }
    if optionBits & 32 != 0 { arguments += ["--heatmap", scratchFolder + "/heat.png"] }
    do {
        let command = try Metrics.parse(arguments)
        try command.execute(.collecting())
    } catch {
        _ = String(describing: error)
    }
    return 0
}
